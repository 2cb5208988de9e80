import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planShards, shardWork } from '../build/shard/plan.ts';
import { packageSizes } from '../build/shard/shard-run.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import { startS3, type RunningResource } from '../deploy/local/resources/index.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { cloneWorkspace, createShardWorkspace, shardPackages } from '../test-support/shard-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const cacheKey = randomBytes(32).toString('hex');

describe('slipway ci sharded over three runners and merged', () => {
  let work: string;
  let s3: RunningResource;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-shards-'));
    s3 = await startS3({ dataDir: join(work, 's3'), bucket: 'team-cache' });
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const env = () => ({
    ...process.env,
    NO_COLOR: '1',
    SLIPWAY_CACHE_KEY: cacheKey,
    AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY,
  });
  /** `slipway ci` in a runner of its own: its clone and its home. */
  const ci = (runner: string, args: string[], extraEnv: Record<string, string> = {}) =>
    exec(process.execPath, [cli, 'ci', '--repo', join(work, runner), '--home', join(work, `${runner}-home`), ...args], {
      env: { ...env(), ...extraEnv },
    });
  /** A workspace whose remote cache is a prefix of its own in the one bucket. */
  const workspace = async (name: string, ci: Record<string, unknown>, write: boolean | string = true) => {
    const origin = join(work, name);
    const remote = { bucket: 'team-cache', endpoint: s3.env.S3_ENDPOINT, region: s3.env.AWS_REGION, prefix: `${name}/`, write };
    await createShardWorkspace(origin, { cache: { remote }, ci: { shards: 3, ...ci } });
    return origin;
  };
  const clones = (origin: string, runners: string[]) => runners.map((runner) => cloneWorkspace(origin, join(work, runner)));
  const feedbackOf = async (runner: string, runId = 1) =>
    (JSON.parse(await readFile(join(work, `${runner}-home`, 'runs', String(runId), 'feedback.json'), 'utf8')) as { feedback: Feedback[] })
      .feedback;
  const coverageLine = (output: string) => /coverage +(lines [\d.]+ %, functions [\d.]+ %, branches [\d.]+ %)/.exec(output)?.[1];

  it('builds every package exactly once across the shards, and the merge gives one verdict with the coverage of a single runner', async () => {
    const origin = await workspace('green', {});
    clones(origin, ['green-1', 'green-2', 'green-3', 'green-merge', 'green-single']);
    const logs = [1, 2, 3].map((index) => join(work, `green-builds-${index}.log`));
    await Promise.all(logs.map((log) => writeFile(log, '')));
    const shards = await Promise.all(
      [1, 2, 3].map((index) => ci(`green-${index}`, ['--shard', `${index}/3`, '--verbose'], { SHARD_BUILD_LOG: logs[index - 1] })),
    );
    expect(
      shards.map((shard) => shard.code),
      shards.map((shard) => shard.output).join('\n'),
    ).toEqual([0, 0, 0]);
    const built = (await Promise.all(logs.map((log) => readFile(log, 'utf8')))).flatMap((text) => text.split('\n').filter(Boolean));
    expect(built.sort()).toEqual(Object.keys(shardPackages).sort());
    // Every shard had work: the plan spread the six packages.
    for (const log of logs) expect((await readFile(log, 'utf8')).length).toBeGreaterThan(0);

    const merge = await ci('green-merge', ['--merge']);
    expect(merge.code, merge.output).toBe(0);
    expect(merge.stdout).toMatch(/Run #1: built and tested/);
    expect(merge.output).toMatch(/unit +shard 1\/3: .*shard 2\/3: .*shard 3\/3: /);

    const single = await ci('green-single', [], { SLIPWAY_CACHE_KEY: '' });
    expect(single.code, single.output).toBe(0);
    expect(coverageLine(merge.output)).toBeDefined();
    expect(coverageLine(merge.output)).toBe(coverageLine(single.output));
  });

  it("fails with the failing shard's feedback, as a single runner gives it, naming the shard", async () => {
    const origin = await workspace('red', {});
    // With no earlier run timed, the plan weighs packages by size: a package shard 2 tests even
    // with the failing edit's 3 more bytes (equal → notEqual) is the one broken.
    const sizes = await packageSizes(origin, await discoverWorkspace(origin));
    const shard2Tests = (extra: Record<string, number>) => {
      const packages = Object.keys(shardPackages).map((name) => ({
        name,
        dependencies: [],
        build: true,
        test: true,
        size: sizes[name] + (extra[name] ?? 0),
      }));
      return shardWork(packages, planShards(packages, {}, 3), 2).tests;
    };
    const broken = shard2Tests({}).find((name) => shard2Tests({ [name]: 3 }).includes(name))!;
    const testFile = join(origin, shardPackages[broken], 'src/index.test.js');
    await writeFile(testFile, (await readFile(testFile, 'utf8')).replace('assert.equal(', 'assert.notEqual('));
    await git(origin, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qam', 'a failing test']);
    expect((await packageSizes(origin, await discoverWorkspace(origin)))[broken]).toBe(sizes[broken] + 3);
    clones(origin, ['red-1', 'red-2', 'red-3', 'red-merge', 'red-single']);

    const shards = await Promise.all([1, 2, 3].map((index) => ci(`red-${index}`, ['--shard', `${index}/3`])));
    expect(shards.map((shard) => shard.code)).toEqual([0, 1, 0]);
    const merge = await ci('red-merge', ['--merge']);
    expect(merge.code, merge.output).toBe(1);
    const single = await ci('red-single', [], { SLIPWAY_CACHE_KEY: '' });
    expect(single.code, single.output).toBe(1);

    const [merged] = await feedbackOf('red-merge');
    const [alone] = await feedbackOf('red-single');
    expect(merged.stage).toBe('unit');
    expect(merged.message).toBe('Unit tests failed');
    expect(merged.specific).toBe(`${alone.specific} (in shard 2/3)`);
    expect(merged.specific).toContain(broken);
    expect(merged.locations).toEqual(alone.locations);
    expect(merged.hint).toBe(alone.hint);
    expect(merge.output).toContain(`Unit tests failed: ${alone.specific} (in shard 2/3)`);
  });

  it('reports a shard killed before it recorded anything as lost (exit code 2), not as a failing test', async () => {
    const origin = await workspace('lost', { shardWaitMinutes: 0.05 });
    clones(origin, ['lost-1', 'lost-2', 'lost-3', 'lost-merge']);
    const killed = spawn(
      process.execPath,
      [cli, 'ci', '--shard', '2/3', '--repo', join(work, 'lost-2'), '--home', join(work, 'lost-2-home')],
      {
        env: env(),
        stdio: 'ignore',
      },
    );
    const gone = new Promise((resolve) => killed.on('exit', resolve));
    killed.kill('SIGKILL');
    await gone;
    await Promise.all([1, 3].map((index) => ci(`lost-${index}`, ['--shard', `${index}/3`])));

    const merge = await ci('lost-merge', ['--merge']);
    expect(merge.code, merge.output).toBe(2);
    expect(merge.output).toContain('shard 2/3 was lost: it recorded no result (the runner died or was cancelled)');
    const feedback = await feedbackOf('lost-merge');
    expect(feedback.find((item) => item.stage === 'shards')?.exitCode).toBe(2);
    expect(feedback.some((item) => item.message === 'Unit tests failed')).toBe(false);
  });

  it("on a branch that may not write, shares its builds only in its own run's namespace, signed with the shards' own key", async () => {
    // A pull request: cache.remote.write names main only, the clones are on another branch, and
    // the shards hold a key of their own, as init github wires them.
    const origin = await workspace('pr', {}, 'main');
    clones(origin, ['pr-1', 'pr-2', 'pr-3', 'pr-merge']);
    for (const runner of ['pr-1', 'pr-2', 'pr-3', 'pr-merge']) await git(join(work, runner), ['checkout', '-q', '-b', 'feature']);
    const shardEnv = { SLIPWAY_CACHE_KEY: randomBytes(32).toString('hex'), SLIPWAY_SHARD_RUN: 'run-42' };
    const shards = await Promise.all([1, 2, 3].map((index) => ci(`pr-${index}`, ['--shard', `${index}/3`], shardEnv)));
    expect(
      shards.map((shard) => shard.code),
      shards.map((shard) => shard.output).join('\n'),
    ).toEqual([0, 0, 0]);
    const merge = await ci('pr-merge', ['--merge'], shardEnv);
    expect(merge.code, merge.output).toBe(0);

    // Every object they wrote is under the run's namespace: nothing where trusted runs read.
    const objects = (await readdir(join(work, 's3', 'objects', 'team-cache', 'pr'), { recursive: true })).filter((path) =>
      path.endsWith('._S3rver_object'),
    );
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((path) => !path.startsWith(join('shard-runs', 'run-42') + '/'))).toEqual([]);
  });
});
