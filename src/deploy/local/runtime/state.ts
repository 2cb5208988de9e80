import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../../shared/feedback/failure.ts';
import { writeFileAtomic } from '../../../shared/fs.ts';
import { isRunning, processRef, type ProcessRef } from '../../../shared/process.ts';
import { readMemo, readStateFile } from '../../../shared/json-files.ts';

/** One service process of a revision, as the state file records it (never its environment). */
export interface ServiceRecord {
  name: string;
  digest: string;
  /** The loopback port it listens on. */
  port: number;
  routes: string[];
  /** Its supervisor, which owns (and restarts) the service process. */
  supervisor: ProcessRef;
  statusFile: string;
  logFile: string;
}

export interface RuntimeRevision {
  revision: string;
  startedAt: string;
  services: ServiceRecord[];
}

export interface HistoryEntry {
  revision: string;
  at: string;
  outcome: 'deployed' | 'failed';
  /** Why a deploy failed: one line, no secrets. */
  reason?: string;
}

export interface RuntimeState {
  environment: string;
  router?: ProcessRef & { port: number };
  /** The revision the router serves. */
  current?: RuntimeRevision;
  /**
   * Processes that run but serve nothing: a revision being started, or one being retired. A CLI
   * killed mid-deploy leaves them here, and the next deploy or teardown stops them.
   */
  inactive: RuntimeRevision[];
  /** Newest last, bounded. */
  history: HistoryEntry[];
}

export const historyLimit = 10;

export function environmentDir(stateDir: string, environment: string): string {
  return join(stateDir, 'envs', environment);
}

const statePath = (stateDir: string, environment: string) => join(environmentDir(stateDir, environment), 'state.json');

export async function readState(stateDir: string, environment: string): Promise<RuntimeState | undefined> {
  const envDir = environmentDir(stateDir, environment);
  return readStateFile<RuntimeState>(
    statePath(stateDir, environment),
    `the local environment ${environment}'s record of its processes`,
    `Stop the processes still running from ${envDir} (see \`ps -ef\`), then remove the file: the next deploy starts the environment afresh.`,
  );
}

export async function writeState(stateDir: string, state: RuntimeState): Promise<void> {
  await writeFileAtomic(statePath(stateDir, state.environment), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(stateDir: string, environment: string): Promise<void> {
  await rm(statePath(stateDir, environment), { force: true });
}

/** The history with one more entry, keeping the newest `historyLimit`. */
export function withHistory(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [...history, entry].slice(-historyLimit);
}

/**
 * Serialises deploys and teardowns of one environment across CLI processes. A lock left by a
 * process that died is taken over; one held by a live process is a Failure naming it.
 */
export async function lockEnvironment(stateDir: string, environment: string): Promise<() => Promise<void>> {
  const path = join(environmentDir(stateDir, environment), 'deploy.lock');
  await mkdir(environmentDir(stateDir, environment), { recursive: true });
  const me = processRef(process.pid)!;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // An unreadable lock (its writer killed mid-write) has no live holder to wait for.
      const holder = (await readMemo<Partial<ProcessRef>>(path)) ?? {};
      if (holder.pid !== undefined && isRunning(holder as ProcessRef)) {
        throw new Failure(`environment ${environment} is being changed by another Slipway process (pid ${holder.pid})`, {
          hint: 'Wait for that deploy or teardown to finish, then try again.',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new Failure(`could not lock environment ${environment}: ${path} keeps reappearing`);
}
