import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * HEAD's commit and branch; undefined outside a repository or before the first commit. Read from
 * the repository's files where `dir` is the top of a work tree with the plain layout (HEAD naming a
 * branch with a loose or packed ref, or a commit), which costs no process; from git otherwise.
 */
export async function gitHead(dir: string): Promise<GitHead | undefined> {
  return (await headFromFiles(dir).catch(() => undefined)) ?? headFromGit(dir);
}

async function headFromGit(dir: string): Promise<GitHead | undefined> {
  const answer = await gitOrUndefined(dir, ['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']);
  const [commit, ref] = answer?.trim().split('\n') ?? [];
  if (!commit || ref === undefined) return undefined;
  return { commit, branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '' };
}

const objectId = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** HEAD as the files of a plain `.git` directory say it; undefined wherever git itself should answer. */
async function headFromFiles(dir: string): Promise<GitHead | undefined> {
  const gitDir = join(dir, '.git');
  const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
  if (objectId.test(head)) return { commit: head, branch: '' };
  if (!head.startsWith('ref: refs/heads/')) return undefined;
  const ref = head.slice('ref: '.length);
  const loose = await readFile(join(gitDir, ref), 'utf8').catch(() => undefined);
  const commit = loose?.trim() ?? packedRef(await readFile(join(gitDir, 'packed-refs'), 'utf8'), ref);
  return commit && objectId.test(commit) ? { commit, branch: ref.slice('refs/heads/'.length) } : undefined;
}

/** A ref's commit in packed-refs ("<id> <ref>" lines). */
function packedRef(packed: string, ref: string): string | undefined {
  return packed
    .split('\n')
    .find((line) => line.endsWith(` ${ref}`))
    ?.split(' ')[0];
}
