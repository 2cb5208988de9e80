import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
