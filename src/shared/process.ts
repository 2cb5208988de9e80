import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A process as recorded in the state file: the pid plus its kernel start time, so a pid reused
 * by an unrelated process after a reboot or a crash is never mistaken for ours, nor killed.
 */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** The start time (field 22 of /proc/<pid>/stat) of a live, non-zombie process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function isRunning(ref: ProcessRef | undefined): boolean {
  return ref !== undefined && processStartTime(ref.pid) === ref.startTime;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitGone(ref: ProcessRef, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(ref)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/**
 * Stops a process started by startDetached, and its process group: SIGTERM, then SIGKILL after
 * the grace period. It returns once no process of the group is left running, not only its
 * leader: a service's own children (the namespaced one) may take a moment longer to exit.
 */
export async function stopProcess(ref: ProcessRef | undefined, graceMs = 3000): Promise<void> {
  if (!ref || !isRunning(ref)) return;
  signal(-ref.pid, 'SIGTERM');
  if (!(await waitGone(ref, graceMs))) {
    signal(-ref.pid, 'SIGKILL');
    await waitGone(ref, 2000);
  }
  if (await waitGroupGone(ref.pid, 1000)) return;
  signal(-ref.pid, 'SIGKILL');
  await waitGroupGone(ref.pid, 2000);
}

/** Whether any process of the group still runs (zombies, already exited, do not count). */
function groupRunning(pgid: number): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupRunning(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/**
 * Starts a process that outlives this one: its own session and process group, output appended to
 * a log file, its working directory in the state directory (not wherever the CLI ran), nothing
 * tying it to our event loop. `input` goes to its stdin and never to disk.
 */
export async function startDetached(command: string, args: string[], options: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<ProcessRef> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, cwd: options.cwd, env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', log, log] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.unref();
    const startTime = processStartTime(child.pid!);
    if (!startTime) throw new Error(`${command} exited at once; see ${options.logFile}`);
    return { pid: child.pid!, startTime };
  } finally {
    closeSync(log);
  }
}
