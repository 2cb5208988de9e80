import { Failure } from './failure.ts';

/**
 * Slipway itself could not run: its home is on a full disk or a read-only file system, it may not
 * write there, its state database is corrupt, or another run is releasing the repository. Never
 * the developer's change: it is reported as "Slipway could not run" and ends the command with
 * exit code 2, where a failed change gives 1.
 */
export class HostFailure extends Failure {
  readonly exitCode = 2;
}

/** What a failure ends the command with: 2 when Slipway could not run, else 1. */
export function exitCodeOf(failure: { exitCode?: number }): 1 | 2 {
  return failure.exitCode === 2 ? 2 : 1;
}

type HostProblem = 'full' | 'read-only' | 'denied' | 'corrupt';

const errnoProblems: Record<string, HostProblem> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EROFS: 'read-only',
  EACCES: 'denied',
  EPERM: 'denied',
};

/** The problem behind an error of the file system or of SQLite, when it is one of the host's. */
function hostProblem(error: unknown): HostProblem | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code in errnoProblems) return errnoProblems[code];
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return 'denied';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR')) return 'denied';
  return undefined;
}

/**
 * The HostFailure for an error of the host (a full disk, a read-only or forbidden path, a corrupt
 * database), naming the path: the error's own, else `where` (the Slipway home, the state database).
 * Undefined for any other error.
 */
export function hostFailureOf(error: unknown, where?: string): HostFailure | undefined {
  if (error instanceof HostFailure) return error;
  const problem = hostProblem(error);
  if (!problem) return undefined;
  const path = (error as { path?: unknown }).path;
  const place = typeof path === 'string' ? path : (where ?? "Slipway's home");
  const reason = (error as Error).message.split('\n')[0];
  const home = 'Set --home or SLIPWAY_HOME to a directory on a writable disk with free space, or';
  switch (problem) {
    case 'full':
      return new HostFailure(`the disk holding ${place} is full`, {
        details: [reason],
        hint: `Free space on that disk (old caches go with \`rm -r <home>/cache\`), then run again. ${home} move it there.`,
      });
    case 'read-only':
      return new HostFailure(`${place} is on a read-only file system`, { details: [reason], hint: `${home} remount the disk read-write.` });
    case 'denied':
      return new HostFailure(`Slipway may not write ${place}`, { details: [reason], hint: `${home} give this user write access to it.` });
    case 'corrupt':
      return new HostFailure(`the run state database ${place} is corrupt`, {
        details: [reason, "This is Slipway's own state, not part of your change."],
        hint: `Move it aside (\`mv ${place} ${place}.corrupt\`) and run again: the run history starts afresh, caches and releases are kept.`,
      });
  }
}
