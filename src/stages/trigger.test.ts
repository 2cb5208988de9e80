import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import type { StageContext } from './context.ts';
import { trigger, type TriggerOutputs } from './trigger.ts';

let repo: string;
const git = async (...args: string[]) =>
  (await exec('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], { cwd: repo })).stdout.trim();
const commitFiles = async (message: string, files: Record<string, string>) => {
  for (const [path, content] of Object.entries(files)) await writeFile(join(repo, path), content);
  await git('add', '-A');
  await git('commit', '-qm', message);
  return git('rev-parse', 'HEAD');
};
/** The stage as a run at `commit` on `branch` sees it. */
const triggerAt = async (commit: string, branch = 'main') =>
  (await trigger.run({ repoDir: repo, run: { commit, branch } } as unknown as StageContext)) as {
    summary: string;
    outputs: TriggerOutputs;
  };

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slipway-trigger-'));
  await git('init', '-q', '-b', 'main');
});
afterEach(async () => rm(repo, { recursive: true, force: true }));

it('names the commit and the files it changed: a root commit all of its files', async () => {
  const root = await commitFiles('first', { 'a.txt': 'a', 'b.txt': 'b' });
  const { summary, outputs } = await triggerAt(root);
  expect(outputs).toMatchObject({ commit: root, author: 'Dev', subject: 'first', changedFiles: ['a.txt', 'b.txt'], uncommitted: [] });
  expect(summary).toBe(`main @ ${root.slice(0, 10)} "first" by Dev (2 files changed)`);
});

it("counts a merge commit's changes against its first parent, and names uncommitted edits", async () => {
  await commitFiles('first', { 'a.txt': 'a' });
  await git('checkout', '-qb', 'feature');
  await commitFiles('feature work', { 'b.txt': 'b', 'c.txt': 'c' });
  await git('checkout', '-q', 'main');
  await commitFiles('main work', { 'd.txt': 'd' });
  await git('merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature');
  await writeFile(join(repo, 'a.txt'), 'edited');
  const { summary, outputs } = await triggerAt(await git('rev-parse', 'HEAD'));
  expect(outputs.changedFiles).toEqual(['b.txt', 'c.txt']);
  expect(outputs.uncommitted).toEqual(['a.txt']);
  expect(summary).toMatch(/"Merge feature" by Dev \(2 files changed; with 1 uncommitted change in the work tree, tested as they are\)$/);
});
