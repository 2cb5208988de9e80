import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec } from './exec.ts';
import { gitHead } from './git.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-git-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('gitHead', () => {
  it('names the commit and the branch, and no branch when detached, in one git process', async () => {
    const git = (...args: string[]) => exec('git', args, { cwd: root });
    await git('init', '-q', '-b', 'trunk');
    expect(await gitHead(root)).toBeUndefined();
    await writeFile(join(root, 'a'), 'a');
    await git('add', 'a');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'first');
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    expect(await gitHead(root)).toEqual({ commit, branch: 'trunk' });
    await git('checkout', '-q', '--detach');
    expect(await gitHead(root)).toEqual({ commit, branch: '' });
  });
});

describe('gitHead from the repository files', () => {
  const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd });
  let commit: string;
  beforeEach(async () => {
    await git(root, 'init', '-q', '-b', 'main');
    await writeFile(join(root, 'a'), 'a');
    await git(root, 'add', 'a');
    await git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'first');
    commit = (await git(root, 'rev-parse', 'HEAD')).stdout.trim();
  });

  it('finds a branch whose ref git has packed', async () => {
    await git(root, 'pack-refs', '--all');
    expect(existsSync(join(root, '.git/refs/heads/main'))).toBe(false);
    expect(await gitHead(root)).toEqual({ commit, branch: 'main' });
  });

  it('takes a loose ref over a stale packed one, as git does', async () => {
    await git(root, 'pack-refs', '--all');
    await git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'second', '--allow-empty');
    const second = (await git(root, 'rev-parse', 'HEAD')).stdout.trim();
    expect(second).not.toBe(commit);
    expect(await gitHead(root)).toEqual({ commit: second, branch: 'main' });
  });

  it('asks git where the layout is not the plain one: a linked work tree, a directory inside the work tree', async () => {
    const linked = join(root, 'linked');
    await git(root, 'worktree', 'add', '-q', '-b', 'side', linked);
    expect(await gitHead(linked)).toEqual({ commit, branch: 'side' });
    await mkdir(join(root, 'sub'));
    expect(await gitHead(join(root, 'sub'))).toEqual({ commit, branch: 'main' });
  });
});
