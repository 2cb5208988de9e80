import { Failure } from '../../shared/feedback/failure.ts';
import { gitResult } from '../../shared/git.ts';

/**
 * Repo-relative path → the line numbers (in the new file) that were added or modified, or 'all'
 * for a file git does not track yet: every line of it is new.
 */
export type ChangedLines = Map<string, Set<number> | 'all'>;

/** The commit changes are measured against; undefined when every line counts as new. */
export interface ChangeBase {
  commit: string | undefined;
  /** For feedback: "merge-base with main (abc1234)". */
  description: string;
}

/**
 * Reads the added and modified lines of each file from `git diff -U0` output (made with prefixes
 * a/ and b/). Deleted files, pure renames and binary files have no hunks and so no entry. Hunk
 * bodies are skipped by their counted lengths, so content that looks like a header is not one.
 */
export function parseDiffAddedLines(diff: string): Map<string, Set<number>> {
  const changed = new Map<string, Set<number>>();
  const lines = diff.split('\n');
  let file: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.startsWith('diff --git ')) file = undefined;
    else if (line.startsWith('+++ ')) file = newPath(line.slice(4));
    else if (line.startsWith('@@ ')) {
      const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!hunk) continue;
      const removed = hunk[1] === undefined ? 1 : Number(hunk[1]);
      const start = Number(hunk[2]);
      const added = hunk[3] === undefined ? 1 : Number(hunk[3]);
      if (file !== undefined && added > 0) {
        const set = changed.get(file) ?? new Set<number>();
        for (let number = start; number < start + added; number += 1) set.add(number);
        changed.set(file, set);
      }
      // Skip the body: its removed and added lines, plus any "\ No newline at end of file".
      let body = removed + added;
      while (body > 0 && index + 1 < lines.length) {
        index += 1;
        if (!lines[index].startsWith('\\')) body -= 1;
      }
      while (lines[index + 1]?.startsWith('\\')) index += 1;
    }
  }
  return changed;
}

/** The path of a "+++ b/path" header; undefined for /dev/null (a deleted file). */
function newPath(header: string): string | undefined {
  // Git ends a name that contains a space with a tab (as GNU diff does).
  const name = header.startsWith('"') ? unquoteC(header) : header.replace(/\t$/, '');
  if (name === '/dev/null') return undefined;
  return name.startsWith('b/') ? name.slice(2) : name;
}

const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Undoes git's C-style quoting of a path ("b/tab\tname", octal bytes for non-ASCII). */
export function unquoteC(quoted: string): string {
  const bytes: number[] = [];
  const inner = quoted.slice(1, quoted.lastIndexOf('"'));
  for (let index = 0; index < inner.length; index += 1) {
    const char = inner[index];
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = inner[index + 1];
    const octal = /^[0-7]{3}/.exec(inner.slice(index + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      index += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Paths as they are, not C-quoted: the diff is matched against file names. */
function git(repoRoot: string, args: string[]) {
  return gitResult(repoRoot, ['-c', 'core.quotepath=off', ...args]);
}

/** The full hash of a commit-ish, or undefined when it names no commit here. */
async function commitOf(repoRoot: string, ref: string): Promise<string | undefined> {
  const result = await git(repoRoot, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function mergeBase(repoRoot: string, a: string, b: string): Promise<string | undefined> {
  const result = await git(repoRoot, ['merge-base', a, b]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

const short = (commit: string) => commit.slice(0, 7);

/**
 * The commit whose difference to the working tree is "the change" being judged:
 * - an explicit `base` (branch, tag, commit): its merge-base with HEAD;
 * - HEAD on main (the main branch checked out, or a detached HEAD within main's history, as when
 *   CI checks out the merge commit): HEAD's first parent, so a merge is judged by what it brought in; a
 *   root commit has no base and every line is new;
 * - otherwise (a feature branch): the merge-base of HEAD and main (or origin/main).
 */
export async function resolveChangeBase(repoRoot: string, opts: { mainBranch: string; base?: string }): Promise<ChangeBase> {
  const head = await commitOf(repoRoot, 'HEAD');
  if (!head) return { commit: undefined, description: 'no commits yet: every line is new' };

  if (opts.base !== undefined) {
    const base = await commitOf(repoRoot, opts.base);
    if (!base) {
      throw new Failure(`coverage base "${opts.base}" does not exist in this repository`, {
        hint: 'Set coverage.base to a branch, tag or commit that exists here (in a shallow or single-branch clone, fetch it first), or leave it out to measure against main.',
      });
    }
    const common = await mergeBase(repoRoot, head, base);
    if (!common) throw noCommonHistory(opts.base);
    return { commit: common, description: `merge-base with ${opts.base} (${short(common)})` };
  }

  const mainRef = [opts.mainBranch, `origin/${opts.mainBranch}`];
  let main: { ref: string; commit: string } | undefined;
  for (const ref of mainRef) {
    const commit = await commitOf(repoRoot, ref);
    if (commit) {
      main = { ref, commit };
      break;
    }
  }
  // A named branch other than main is a feature branch, even before its first commit (then only
  // uncommitted edits are the change). Detached HEAD within main's history is CI at a merge.
  const branch = (await git(repoRoot, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
  const detachedOnMain =
    branch === '' && main !== undefined && (await git(repoRoot, ['merge-base', '--is-ancestor', head, main.commit])).code === 0;
  if (branch === opts.mainBranch || detachedOnMain) {
    const parent = await commitOf(repoRoot, `${head}^1`);
    if (parent) return { commit: parent, description: `first parent of HEAD (${short(parent)})` };
    if ((await git(repoRoot, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true') {
      throw new Failure(`HEAD's parent is missing from this shallow clone, so the changed lines are unknown`, {
        hint: 'Clone or fetch with at least two commits of history (git fetch --deepen=1), or set coverage.base.',
      });
    }
    return { commit: undefined, description: 'root commit: every line is new' };
  }
  if (!main) {
    throw new Failure(
      `main branch "${opts.mainBranch}" not found (neither ${mainRef.join(' nor ')} exists), so the changed lines are unknown`,
      {
        hint: `Fetch it (git fetch origin ${opts.mainBranch}), or set coverage.base to the branch this work started from.`,
      },
    );
  }
  const common = await mergeBase(repoRoot, head, main.commit);
  if (!common) throw noCommonHistory(main.ref);
  return { commit: common, description: `merge-base with ${main.ref} (${short(common)})` };
}

function noCommonHistory(ref: string): Failure {
  return new Failure(`HEAD and ${ref} share no history here, so the changed lines are unknown`, {
    hint: 'In a shallow clone, fetch more history (git fetch --unshallow); otherwise set coverage.base to the branch this work started from.',
  });
}

/**
 * The lines changed since `base` in the working tree, so uncommitted edits count; files git does
 * not track yet (and does not ignore) are wholly changed. Without a base, every line is new.
 * Paths are relative to `repoRoot`, as coverage reports are.
 */
export async function changedLines(repoRoot: string, base: string | undefined): Promise<ChangedLines> {
  const from = base ?? (await emptyTree(repoRoot));
  const diff = await git(repoRoot, [
    'diff',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--ignore-submodules',
    '--relative',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    '--diff-filter=AMR',
    '-M',
    from,
    '--',
  ]);
  if (diff.code !== 0) throw new Error(`git diff ${from}: ${diff.stderr.trim()}`);
  const changed: ChangedLines = parseDiffAddedLines(diff.stdout);
  const untracked = await git(repoRoot, ['ls-files', '--others', '--exclude-standard', '-z']);
  if (untracked.code !== 0) throw new Error(`git ls-files --others: ${untracked.stderr.trim()}`);
  for (const path of untracked.stdout.split('\0').filter(Boolean)) changed.set(path, 'all');
  return changed;
}

/** The empty tree's hash (it differs between SHA-1 and SHA-256 repositories). */
async function emptyTree(repoRoot: string): Promise<string> {
  const result = await git(repoRoot, ['hash-object', '-t', 'tree', '--stdin']);
  if (result.code !== 0) throw new Error(`git hash-object: ${result.stderr.trim()}`);
  return result.stdout.trim();
}
