import { appendFile, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { exec } from '../../shared/exec.ts';
import { changedLines, resolveChangeBase } from './git-diff.ts';

const sorted = (lines: Set<number> | 'all' | undefined) => (lines instanceof Set ? [...lines].sort((a, b) => a - b) : lines);

describe('with a real git repository', () => {
  let repo: string;
  const git = async (...args: string[]) => {
    const result = await exec('git', args, { cwd: repo });
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const commitAll = async (message: string) => {
    await git('add', '-A');
    await git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  const lines = (...values: string[]) => values.map((value) => `${value}\n`).join('');
  const changedOf = async (opts: { mainBranch: string; base?: string } = { mainBranch: 'main' }) => {
    const base = await resolveChangeBase(repo, opts);
    const changed = await changedLines(repo, base.commit);
    return { base, changed: Object.fromEntries([...changed].map(([file, set]) => [file, sorted(set)])) };
  };

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'slipway-changed-'));
    await git('init', '-q', '-b', 'main');
    await git('config', 'user.name', 'Test');
    await git('config', 'user.email', 'test@example.com');
    await writeFile(join(repo, 'a.ts'), lines('one', 'two', 'three', 'four'));
    await writeFile(join(repo, '.gitignore'), 'dist/\n');
  });
  afterEach(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('on a root commit of main, every line is new', async () => {
    await commitAll('root');
    const { base, changed } = await changedOf();
    expect(base).toEqual({ commit: undefined, description: 'root commit: every line is new' });
    expect(changed).toEqual({ '.gitignore': [1], 'a.ts': [1, 2, 3, 4] });
  });

  it('on a feature branch, measures against the merge-base with main, not main tip', async () => {
    const root = await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await writeFile(join(repo, 'a.ts'), lines('one', 'TWO', 'three', 'four', 'five'));
    await commitAll('feature');
    await git('checkout', '-q', 'main');
    await writeFile(join(repo, 'main-only.ts'), lines('m'));
    await commitAll('main moves on');
    await git('checkout', '-q', 'feature');
    const { base, changed } = await changedOf();
    expect(base).toEqual({ commit: root, description: `merge-base with main (${root.slice(0, 7)})` });
    expect(changed).toEqual({ 'a.ts': [2, 5] });
  });

  it('falls back to origin/main when there is no local main', async () => {
    const root = await commitAll('root');
    await git('update-ref', 'refs/remotes/origin/main', root);
    await git('checkout', '-q', '-b', 'feature');
    await git('branch', '-D', 'main');
    await appendFile(join(repo, 'a.ts'), lines('five'));
    await commitAll('feature');
    const { base, changed } = await changedOf();
    expect(base.description).toBe(`merge-base with origin/main (${root.slice(0, 7)})`);
    expect(changed).toEqual({ 'a.ts': [5] });
  });

  it('on main after a merge, measures against the first parent: what the merge brought in', async () => {
    await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await writeFile(join(repo, 'a.ts'), lines('one', 'two', 'THREE', 'four'));
    await commitAll('feature');
    await git('checkout', '-q', 'main');
    await writeFile(join(repo, 'other.ts'), lines('o'));
    const mainBefore = await commitAll('main moves on');
    await git('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    const expected = {
      base: { commit: mainBefore, description: `first parent of HEAD (${mainBefore.slice(0, 7)})` },
      changed: { 'a.ts': [3] },
    };
    expect(await changedOf()).toEqual(expected);
    // CI checks out the merge commit itself, detached: still main.
    await git('checkout', '-q', '--detach', 'HEAD');
    expect(await changedOf()).toEqual(expected);
  });

  it('on a new branch before its first commit, counts uncommitted and staged edits and untracked files, not ignored or deleted ones', async () => {
    await writeFile(join(repo, 'gone.ts'), lines('bye'));
    const root = await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await writeFile(join(repo, 'a.ts'), lines('one', 'two', 'three', 'FOUR'));
    await writeFile(join(repo, 'staged.ts'), lines('s1', 's2'));
    await git('add', 'staged.ts');
    await writeFile(join(repo, 'new.ts'), lines('n'));
    await mkdir(join(repo, 'dist'));
    await writeFile(join(repo, 'dist', 'a.js'), lines('built'));
    await unlink(join(repo, 'gone.ts'));
    const { base, changed } = await changedOf();
    expect(base.description).toBe(`merge-base with main (${root.slice(0, 7)})`);
    expect(changed).toEqual({ 'a.ts': [4], 'staged.ts': [1, 2], 'new.ts': 'all' });
  });

  it('follows a renamed and edited file to its new path, ignoring binary files', async () => {
    await writeFile(join(repo, 'b.ts'), lines('1', '2', '3', '4', '5', '6', '7', '8'));
    await writeFile(join(repo, 'logo.bin'), Buffer.from([0, 1, 2, 0, 3]));
    await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await git('mv', 'b.ts', 'renamed.ts');
    await writeFile(join(repo, 'renamed.ts'), lines('1', '2', '3', 'four', '5', '6', '7', '8'));
    await writeFile(join(repo, 'logo.bin'), Buffer.from([0, 9, 9, 0, 3]));
    await commitAll('rename');
    const { changed } = await changedOf();
    expect(changed).toEqual({ 'renamed.ts': [4] });
  });

  it('handles names with spaces, unicode and quotes', async () => {
    await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await writeFile(join(repo, 'my file.ts'), lines('a', 'b'));
    await writeFile(join(repo, 'über "q".ts'), lines('a'));
    await commitAll('odd names');
    await writeFile(join(repo, 'my file.ts'), lines('a', 'B'));
    await writeFile(join(repo, 'untracked ü.ts'), lines('a'));
    const { changed } = await changedOf();
    expect(changed).toEqual({ 'my file.ts': [1, 2], 'über "q".ts': [1], 'untracked ü.ts': 'all' });
  });

  it('with an explicit base, measures against its merge-base with HEAD', async () => {
    await commitAll('root');
    await git('checkout', '-q', '-b', 'develop');
    await writeFile(join(repo, 'dev.ts'), lines('d'));
    const develop = await commitAll('develop');
    await git('checkout', '-q', '-b', 'feature');
    await appendFile(join(repo, 'a.ts'), lines('five'));
    await commitAll('feature');
    const { base, changed } = await changedOf({ mainBranch: 'main', base: 'develop' });
    expect(base).toEqual({ commit: develop, description: `merge-base with develop (${develop.slice(0, 7)})` });
    expect(changed).toEqual({ 'a.ts': [5] });
  });

  it('fails clearly on a base that does not exist', async () => {
    await commitAll('root');
    const error = await resolveChangeBase(repo, { mainBranch: 'main', base: 'origin/develop' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe('coverage base "origin/develop" does not exist in this repository');
    expect((error as Failure).hint).toBe(
      'Set coverage.base to a branch, tag or commit that exists here (in a shallow or single-branch clone, fetch it first), or leave it out to measure against main.',
    );
  });

  it('fails clearly when the main branch cannot be found off main', async () => {
    await commitAll('root');
    await git('checkout', '-q', '-b', 'feature');
    await git('branch', '-D', 'main');
    const error = await resolveChangeBase(repo, { mainBranch: 'main' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe(
      'main branch "main" not found (neither main nor origin/main exists), so the changed lines are unknown',
    );
    expect((error as Failure).hint).toBe('Fetch it (git fetch origin main), or set coverage.base to the branch this work started from.');
  });

  it('fails clearly when HEAD and the base share no history', async () => {
    await commitAll('root');
    await git('checkout', '-q', '--orphan', 'other');
    await commitAll('unrelated');
    const error = await resolveChangeBase(repo, { mainBranch: 'main' }).catch((caught: unknown) => caught);
    expect((error as Failure).specific).toBe('HEAD and main share no history here, so the changed lines are unknown');
  });
});
