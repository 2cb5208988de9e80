import { exec, type ExecOptions, type ExecResult } from './exec.ts';

/** What a git command may be given besides its arguments: its environment (no prompts), a time limit. */
export type GitOptions = Pick<ExecOptions, 'env' | 'timeoutMs'>;

/** A git command that failed: the command, where, and git's own words. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly cwd: string,
    readonly result: ExecResult,
  ) {
    super(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit code ${result.code}`}`);
    this.name = 'GitError';
  }
}

/** Runs git without a shell; the whole result, whatever the exit code (for commands whose code is the answer). */
export function gitResult(cwd: string, args: string[], options: GitOptions = {}): Promise<ExecResult> {
  return exec('git', args, { ...options, cwd });
}

/** Git's stdout; a failure throws a GitError naming the command, the directory and git's message. */
export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  const result = await gitResult(cwd, args, options);
  if (result.code !== 0) throw new GitError(args, cwd, result);
  return result.stdout;
}

/** Git's stdout, or undefined when git fails (not a repository, an unknown ref). */
export async function gitOrUndefined(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await gitResult(cwd, args);
  return result.code === 0 ? result.stdout : undefined;
}

/** The commit checked out, and the branch ('' when detached). */
export interface GitHead {
  commit: string;
  branch: string;
}

/** HEAD's commit and branch in one git process; undefined outside a repository or before the first commit. */
export async function gitHead(cwd: string): Promise<GitHead | undefined> {
  const answer = await gitOrUndefined(cwd, ['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']);
  const [commit, ref] = answer?.trim().split('\n') ?? [];
  if (!commit || ref === undefined) return undefined;
  return { commit, branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '' };
}
