import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A process Slipway started or waits on, as recorded: the pid plus its kernel start time, so a pid
 * reused by an unrelated process after a reboot or a crash is never mistaken for ours, nor killed.
 * Only a process of another program (a lease holder seen through its pid) comes without one.
 */
export interface ProcessRef {
  pid: number;
  startTime?: string;
}

/** The process as a ProcessRef, start time included; undefined when it is not running. */
export function processRef(pid: number | undefined): ProcessRef | undefined {
  const startTime = pid === undefined ? undefined : processStartTime(pid);
  return startTime === undefined ? undefined : { pid: pid!, startTime };
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

/** The one liveness rule: the process runs (a zombie has exited) and, when its start time is known, is the same one. */
export function isRunning(ref: ProcessRef | undefined): boolean {
  if (!ref) return false;
  const started = processStartTime(ref.pid);
  return started !== undefined && (ref.startTime === undefined || started === ref.startTime);
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

export interface StopOptions {
  /** What asks it to stop cleanly (default SIGTERM): PostgreSQL's fast shutdown is SIGINT. */
  signal?: NodeJS.Signals;
  /** Send that signal to its whole process group (default), or to the process alone. */
  group?: boolean;
  /** How long it gets before SIGKILL (default 3 s). */
  graceMs?: number;
}

/**
 * Stops a process Slipway started detached (it leads its own process group): the clean-stop
 * signal, then SIGKILL to the group after the grace period. It returns once no process of the
 * group is left running, not only its leader: a service's own children (the namespaced one) may
 * take a moment longer to exit.
 */
export async function stopProcess(ref: ProcessRef | undefined, options: StopOptions = {}): Promise<void> {
  const { signal: stopSignal = 'SIGTERM', group = true, graceMs = 3000 } = options;
  if (!ref || !isRunning(ref)) return;
  signal(group ? -ref.pid : ref.pid, stopSignal);
  if (!(await waitGone(ref, graceMs))) {
    signal(-ref.pid, 'SIGKILL');
    await waitGone(ref, 2000);
  }
  if (await waitGroupGone(ref.pid, 1000)) return;
  signal(-ref.pid, 'SIGKILL');
  await waitGroupGone(ref.pid, 2000);
}

/**
 * Stops a process that shares Slipway's process group (a package script and what it started: a
 * shell, then node running the tests): SIGTERM to it and every descendant, found before any of
 * them is signalled (once a parent dies its children lose the link), then SIGKILL to those left.
 */
export async function stopProcessTree(ref: ProcessRef | undefined, graceMs = 3000): Promise<void> {
  if (!ref || !isRunning(ref)) return;
  const tree = [processRef(ref.pid), ...descendants(ref.pid).map(processRef)].filter((member) => member !== undefined);
  for (const member of tree) signal(member.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (tree.some(isRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  for (const member of tree.filter(isRunning)) signal(member.pid, 'SIGKILL');
}

/** Every live process below `pid`, by the parent pid each names in /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone while we looked
    }
  }
  const below: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    below.push(...next);
    queue.push(...next);
  }
  return below;
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
export async function startDetached(
  command: string,
  args: string[],
  options: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<ProcessRef> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', log, log],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.unref();
    const started = processRef(child.pid);
    if (!started) throw new Error(`${command} exited at once; see ${options.logFile}`);
    return started;
  } finally {
    closeSync(log);
  }
}
