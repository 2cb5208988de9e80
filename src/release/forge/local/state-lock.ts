import { readFile, rm, writeFile } from 'node:fs/promises';
import { isRunning, processRef, type ProcessRef } from '../../../shared/process.ts';

/** How long a change waits for another process's change to the same state before giving up. */
const lockTimeoutMs = 30_000;

/**
 * The embedded forge's state is one file that two Slipway processes may serve at once (a run,
 * and a `slipway serve` carrying its release on): each reads, changes and replaces it under this
 * lock, so neither loses the other's change. A lock whose process died is taken over.
 */
export async function withStateLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + lockTimeoutMs;
  const me = JSON.stringify(processRef(process.pid) ?? { pid: process.pid });
  for (;;) {
    try {
      await writeFile(lockPath, me, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Unreadable: its holder is still writing it, so it lives.
    const holder = await readFile(lockPath, 'utf8')
      .then((text) => JSON.parse(text) as ProcessRef)
      .catch(() => undefined);
    if (holder && !isRunning(holder)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${lockPath} stayed locked by process ${holder?.pid ?? 'unknown'} for ${lockTimeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}
