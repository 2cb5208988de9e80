import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMemo } from './json-files.ts';
import { isRunning, processRef, stopProcessTree, type ProcessRef } from './process.ts';

interface ChildRecord {
  owner: ProcessRef;
  child: ProcessRef;
  /** What it is, for the line that says it was stopped: "the local registry on 127.0.0.1:41234". */
  what: string;
}

/**
 * The processes a Slipway process starts and ends itself (the package scripts it runs, the local
 * registry, PostgreSQL for integration tests), recorded in the home with their pid and start time
 * and their owner's. When the owner is killed before they end, the next Slipway process on the
 * home (a run, `slipway resume`, `slipway env down`) stops them and what they started: a pid
 * reused by another process is never touched, since its start time differs.
 */
export class ChildRecords {
  constructor(readonly dir: string) {}

  /** Records a child of this process; the returned function forgets it once the child is stopped. */
  async record(child: ProcessRef, what: string): Promise<() => Promise<void>> {
    const owner = processRef(process.pid)!;
    const path = join(this.dir, `${owner.pid}-${child.pid}.json`);
    await mkdir(this.dir, { recursive: true });
    // Not synced: one is written for every package script, and a torn one only reads as unknown.
    await writeFile(path, JSON.stringify({ owner, child, what } satisfies ChildRecord));
    return () => rm(path, { force: true });
  }

  /** Stops every recorded child whose owner is gone, and forgets it; says what it stopped. */
  async stopOrphans(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const stopped: string[] = [];
    for (const name of names.filter((file) => file.endsWith('.json'))) {
      const path = join(this.dir, name);
      const record = await readMemo<ChildRecord>(path);
      if (record && isRunning(record.owner)) continue;
      if (record && isRunning(record.child)) {
        await stopProcessTree(record.child);
        stopped.push(`${record.what} (pid ${record.child.pid}), left running by a Slipway process that was killed`);
      }
      await rm(path, { force: true });
    }
    return stopped;
  }
}
