import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaunchPlan } from './launch-plan.ts';
import { isRunning, startDetached, stopProcess, type ProcessRef } from '../../../shared/process.ts';
import { readMemo } from '../../../shared/json-files.ts';

const supervisorScript = fileURLToPath(new URL('./supervisor.mjs', import.meta.url));

/** What supervisor.mjs writes after every change. */
export interface SupervisorStatus {
  supervisorPid: number;
  childPid: number | null;
  running: boolean;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
}

/** How long a service gets to exit after SIGTERM before it is killed. */
const stopGraceMs = 3000;

/** Starts a detached supervisor that runs (and restarts) the service; the plan goes over stdin. */
export function startService(
  service: string,
  plan: LaunchPlan,
  files: { logFile: string; statusFile: string },
  restartDelayMs: number,
): Promise<ProcessRef> {
  const spec = { service, ...plan, statusFile: files.statusFile, restartDelayMs, stopGraceMs };
  return startDetached(process.execPath, [supervisorScript], {
    logFile: files.logFile,
    cwd: dirname(files.logFile),
    env: { PATH: process.env.PATH ?? '' },
    input: JSON.stringify(spec),
  });
}

export async function readSupervisorStatus(statusFile: string): Promise<SupervisorStatus | undefined> {
  // Written by rename, so never torn; an unreadable one says nothing yet.
  return readMemo<SupervisorStatus>(statusFile);
}

/** Why the service is not running ("exited with code 1"), or undefined while it has not ended. */
export async function exitReason(supervisor: ProcessRef, statusFile: string): Promise<string | undefined> {
  const status = await readSupervisorStatus(statusFile);
  if (status?.lastExit)
    return status.lastExit.signal ? `was killed by ${status.lastExit.signal}` : `exited with code ${status.lastExit.code}`;
  if (!isRunning(supervisor)) return 'stopped: its supervisor process is gone';
  return undefined;
}

/**
 * Stops services through their supervisors. Only the supervisor is signalled: it knows how its
 * service must be stopped (a namespace's pid 1 ignores SIGTERM unless it handles it). Signalling
 * the whole group at once would also kill `unshare` before the supervisor could find the
 * namespace's pid 1 behind it, leaving that process running until the SIGKILL of the group.
 */
export async function stopServices(supervisors: ProcessRef[]): Promise<void> {
  await Promise.all(supervisors.map((ref) => stopProcess(ref, { group: false, graceMs: stopGraceMs + 1000 })));
}
