import { readFile } from 'node:fs/promises';

/**
 * Whether a process is still running. A zombie counts as gone: a detached server whose parent
 * exited is reaped by init, which may take a moment (or never happen in some containers).
 */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Format: "pid (comm) state ..."; comm may contain spaces and parentheses, so split after the last ")".
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** The command line of a process, or undefined when it is gone (or /proc is not there). */
export async function commandLine(pid: number): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return raw?.split('\0').join(' ').trim();
}

/**
 * Stops a server process we started: `signal` first (its clean shutdown), then SIGKILL to its whole
 * process group if it is still there after `graceMs`. Resolves once it is gone.
 */
export async function stopProcess(pid: number, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (!(await isRunning(pid))) return;
  if (!send(pid, signal)) return;
  if (await waitForExit(pid, graceMs)) return;
  // Detached servers lead their own process group: kill the group so no worker is left behind.
  if (!send(-pid, 'SIGKILL')) send(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

/** Sends a signal; false when the process (or group) no longer exists. */
function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isRunning(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !(await isRunning(pid));
}
