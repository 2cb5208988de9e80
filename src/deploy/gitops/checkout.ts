import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveInRoot, UnsafeEntryError } from '../../shared/confined-path.ts';
import { writeFileAtomic } from '../../shared/fs.ts';
import { git, GitError, gitResult, type GitOptions } from '../../shared/git.ts';
import { redact } from '../../shared/redactor.ts';
import type { ManifestFile } from '../kubernetes/manifests/index.ts';

/** A deploy repository as a checkout reaches it. */
export interface DeployRemote {
  /** What git is given: a URL, or an absolute path. */
  url: string;
  /** How messages name it: credentials left out. */
  display: string;
  /** Credentials in the URL, masked in every message built here. */
  secrets: string[];
  /** Where checkouts are made (under Slipway's home); each is removed when done. */
  scratchDir: string;
}

/** Git never asks a person: a remote that wants credentials it was not given fails at once. */
function noPrompts(): GitOptions {
  return { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' } };
}

/** Commits are Slipway's, whoever runs it: the release in the message says what they are. */
const identity = ['-c', 'user.name=Slipway', '-c', 'user.email=slipway@users.noreply.localhost', '-c', 'commit.gpgsign=false'];

/**
 * A shallow checkout of one branch of a deploy repository, for one change: replace a directory,
 * commit, push. A branch that does not exist yet starts empty.
 */
export class DeployCheckout {
  private constructor(
    private readonly remote: DeployRemote,
    readonly dir: string,
    /** The branch's commit when fetched; undefined for a branch that does not exist yet. */
    readonly base: string | undefined,
  ) {}

  /** Fetches `branch` (its last `depth` commits) into a new directory under the scratch directory. */
  static async open(remote: DeployRemote, branch: string, depth = 1): Promise<DeployCheckout> {
    await mkdir(remote.scratchDir, { recursive: true });
    const dir = await mkdtemp(join(remote.scratchDir, 'checkout-'));
    try {
      await run(remote, dir, ['init', '-q', '-b', branch], 'prepare a checkout');
      await run(remote, dir, ['remote', 'add', 'origin', '--', remote.url], 'prepare a checkout');
      const base = await fetchBranch(remote, dir, branch, depth);
      if (base) await run(remote, dir, ['checkout', '-q', '-B', branch, base], `check out ${branch}`);
      return new DeployCheckout(remote, dir, base);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The commit another branch of the remote points at now, fetched into this checkout; undefined when it does not exist. */
  async fetch(branch: string): Promise<string | undefined> {
    return fetchBranch(this.remote, this.dir, branch);
  }

  /**
   * Makes `path` hold exactly `files` (none: removes it) and stages it; whether that changes the
   * branch's tree.
   */
  async replace(path: string, files: ManifestFile[]): Promise<boolean> {
    const target = await this.realPath(path);
    await rm(target, { recursive: true, force: true });
    for (const file of files) await writeFileAtomic(join(target, file.name), file.text);
    await run(this.remote, this.dir, ['add', '-A', '--', path], `stage ${path}`);
    const staged = await gitResult(this.dir, ['diff', '--cached', '--quiet']);
    return staged.code !== 0;
  }

  /**
   * Where `path` is in the checkout, through real directories only: a symbolic link the deploy
   * repository holds on the way could otherwise send the removal and the writes outside it.
   */
  private async realPath(path: string): Promise<string> {
    try {
      return await resolveInRoot(this.dir, path, { parentLinks: 'refuse' });
    } catch (error) {
      if (!(error instanceof UnsafeEntryError)) throw error;
      throw new Failure(`${path} in ${this.remote.display} goes through the symbolic link ${error.path}`, {
        details: ["Slipway writes an environment's manifests into real directories of the deploy repository only."],
        hint: `replace the link ${error.path} in the deploy repository with a directory, or point gitops.path elsewhere`,
      });
    }
  }

  /** The files under `path` as fetched (none where it does not exist), read as text: what a failed deploy puts back. */
  async filesAt(path: string): Promise<ManifestFile[]> {
    if (!this.base) return [];
    const listed = await run(this.remote, this.dir, ['ls-tree', '-r', '-z', '--name-only', this.base, '--', path], `read ${path}`);
    const names = listed.split('\0').filter(Boolean);
    const files: ManifestFile[] = [];
    for (const name of names) {
      const text = await run(this.remote, this.dir, ['cat-file', 'blob', `${this.base}:${name}`], `read ${name}`);
      files.push({ name: name.slice(path.length + 1), text });
    }
    return files;
  }

  /** The tree `path` has at `commit`; undefined where it does not exist. */
  async treeAt(commit: string, path: string): Promise<string | undefined> {
    const result = await gitResult(this.dir, ['rev-parse', '--verify', '--quiet', `${commit}:${path}`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** The tree `path` has in the index (after `replace`). */
  async stagedTree(path: string): Promise<string | undefined> {
    const tree = (await run(this.remote, this.dir, ['write-tree'], 'write the tree')).trim();
    return this.treeAt(tree, path);
  }

  /** Commits what is staged; the new commit. */
  async commit(message: string): Promise<string> {
    await run(this.remote, this.dir, [...identity, 'commit', '-q', '--no-verify', '-m', message], 'commit');
    return (await run(this.remote, this.dir, ['rev-parse', 'HEAD'], 'read the commit')).trim();
  }

  /**
   * Pushes HEAD to `branch`: 'rejected' when the branch moved since it was fetched (someone else
   * pushed), a Failure for anything else. `force` only for Slipway's own review branches.
   */
  async push(branch: string, options: { force?: boolean } = {}): Promise<'pushed' | 'rejected'> {
    const args = ['push', '--porcelain', 'origin', `${options.force ? '+' : ''}HEAD:refs/heads/${branch}`];
    const result = await gitResult(this.dir, args, noPrompts());
    if (result.code === 0) return 'pushed';
    if (branchMoved(result.output)) return 'rejected';
    // The server's reason for this ref ("[remote rejected] (protected branch hook declined)") says more than git's closing error.
    const refused = result.stdout
      .split('\n')
      .find((line) => line.startsWith('!'))
      ?.split('\t')[2];
    throw gitFailure(this.remote, `cannot push to ${branch} of ${this.remote.display}`, new GitError(args, this.dir, result), refused);
  }

  /** Runs a read-only git command in the checkout (a log); its stdout. */
  async read(args: string[]): Promise<string> {
    return run(this.remote, this.dir, args, `read ${this.remote.display}`);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Whether git refused a push because the branch moved since it was fetched: a non-fast-forward
 * (a plain remote), or the server finding the branch no longer where the push expected it (a
 * push that lost a race while it was being received).
 */
function branchMoved(output: string): boolean {
  return (
    /\[rejected\].*(?:non-fast-forward|fetch first)/.test(output) ||
    (/\[remote rejected\]/.test(output) && /cannot lock ref '[^']+': is at [0-9a-f]+ but expected [0-9a-f]+/.test(output))
  );
}

/** Fetches a branch's last commit; undefined when the remote has no such branch. */
async function fetchBranch(remote: DeployRemote, dir: string, branch: string, depth = 1): Promise<string | undefined> {
  const listed = await run(remote, dir, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`], `reach ${remote.display}`, noPrompts());
  const commit = listed
    .split('\n')
    .find((line) => line.endsWith(`\trefs/heads/${branch}`))
    ?.split('\t')[0];
  if (!commit) return undefined;
  await run(remote, dir, ['fetch', '-q', '--depth', String(depth), 'origin', commit], `fetch ${branch} of ${remote.display}`, noPrompts());
  return commit;
}

async function run(remote: DeployRemote, dir: string, args: string[], doing: string, options?: GitOptions): Promise<string> {
  try {
    return await git(dir, args, options);
  } catch (error) {
    throw gitFailure(remote, `cannot ${doing}`, error);
  }
}

/** A git failure as feedback: what was being done with which repository, and git's words, credentials masked. */
function gitFailure(remote: DeployRemote, doing: string, error: unknown, cause?: string): Failure {
  const clean = (text: string) => redact(text, remote.secrets);
  const stderr = error instanceof GitError ? error.result.stderr.trim() : (error as Error).message;
  const lines = clean(stderr).split('\n').filter(Boolean);
  // git's own verdict ("fatal: '…' does not appear to be a git repository"), not its closing advice.
  const verdict = cause ?? lines.find((line) => /^(fatal|error): /.test(line))?.replace(/^(fatal|error): /, '') ?? lines[0] ?? 'git failed';
  return new Failure(clean(`${doing}: ${verdict}`), {
    details: [`deploy repository: ${remote.display}`],
    logExcerpt: lines.slice(-10),
    hint: `check that ${remote.display} exists, that this runner can reach it, and that its credentials may push (gitops.repository in the configuration)`,
  });
}
