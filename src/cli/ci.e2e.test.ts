import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3 } from '../deploy/local/resources/index.ts';
import type { RunningResource } from '../deploy/local/resources/index.ts';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { freePort } from '../shared/net.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

describe('slipway ci', () => {
  let work: string;
  let s3: RunningResource;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-ci-'));
    s3 = await startS3({ dataDir: join(work, 's3'), bucket: 'team-cache' });
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const slipway = (env: Record<string, string>, ...args: string[]) =>
    exec(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });

  it('says a checkout with no commit has none, instead of failing on git', async () => {
    const empty = join(work, 'empty-clone');
    await git(work, ['init', '-q', empty]);
    const run = await slipway({}, 'ci', '--repo', empty, '--home', join(work, 'empty-home'));
    expect(run.code, run.output).toBe(1);
    expect(run.stderr).toContain(`${empty} has no commit to run: HEAD names none`);
    expect(run.stderr).toContain('hint: run in a git checkout with a commit');
    expect(run.stderr).not.toContain('GitError');
  });

  it('says a directory that is no repository has no commit, however the two git answers race', async () => {
    const plain = join(work, 'plain-directory');
    await mkdir(plain, { recursive: true });
    for (const attempt of [1, 2, 3]) {
      const run = await slipway({}, 'ci', '--repo', plain, '--home', join(work, `plain-home-${attempt}`));
      expect(run.code, run.output).toBe(1);
      expect(run.stderr).toContain(`${plain} has no commit to run: HEAD names none`);
      expect(run.stderr).not.toContain('GitError');
    }
  });

  it('builds and tests once, then restores and replays everything, and `why` names the changed input', async () => {
    const repo = join(work, 'local');
    await createCiWorkspace(repo);
    const home = join(work, 'local-home');
    const first = await slipway({}, 'ci', '--repo', repo, '--home', home);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/packages +2 packages: 0 from cache, 2 built/);
    expect(first.output).toMatch(/unit +2 tests passed in 2 packages \(/);
    expect(first.stdout).toMatch(/Run #1: built and tested/);
    expect(first.output).toMatch(/trigger +main @ [0-9a-f]{10} "fixture" by ci \(\d+ files changed\) \(/);

    // Nothing changed: the first run answers, without loading the pipeline.
    const second = await slipway({}, 'ci', '--repo', repo, '--home', home);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/packages +unchanged since run #1, nothing redone \(run #1: 2 packages: 0 from cache, 2 built/);
    expect(second.stdout).toMatch(/Run #2: built and tested/);

    // A deleted output is noticed: the pipeline runs and restores it from the cache; so does a new file.
    await rm(join(repo, 'packages/core/dist/index.js'));
    await writeFile(join(repo, 'NOTES.md'), 'not an input of any package\n');
    const third = await slipway({}, 'ci', '--repo', repo, '--home', home);
    expect(third.code, third.output).toBe(0);
    expect(third.output).toMatch(/packages +2 packages: 2 from cache, 0 built/);
    // What is tested is the work tree: the trigger line names its uncommitted change.
    expect(third.output).toMatch(/trigger +main @ .* changed; with 1 uncommitted change in the work tree, tested as they are\)/);
    expect(third.output).toMatch(/2 tests passed in 2 packages, 2 replayed from cache/);
    expect(await readFile(join(repo, 'packages/core/dist/index.js'), 'utf8')).toContain('double');

    await appendFile(join(repo, 'packages/core/src/index.js'), 'export const triple = (n) => n * 3;\n');
    const why = await slipway({}, 'why', '@ci/app', '--repo', repo, '--home', home);
    expect(why.code, why.output).toBe(0);
    expect(why.stdout).toContain('@ci/app: cache miss');
    expect(why.stdout).toMatch(/ {2}@ci\/core: cache miss \(build [0-9a-f]{12}\), because:\n {4}src\/index\.js changed/);

    const fourth = await slipway({}, 'ci', '--repo', repo, '--home', home, '--verbose');
    expect(fourth.output).toMatch(/packages +2 packages: 0 from cache, 2 built/);
    expect(fourth.output).toContain('@ci/core: cache miss: src/index.js changed');
    expect(fourth.output).toContain('@ci/app: cache miss: dependency @ci/core changed');
  });

  it('keeps its default home inside the repository out of git, so an unchanged run is answered at once', async () => {
    const repo = join(work, 'home-inside');
    await createCiWorkspace(repo);
    // A repository that does not ignore .slipway itself, as most do not.
    await writeFile(join(repo, '.gitignore'), 'node_modules\ndist\nreports\ncoverage\n');
    await git(repo, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qam', 'ignore less']);
    // Any command that writes to the home (here `why`, which memoizes the config) keeps it out of git.
    await slipway({}, 'why', '@ci/core', '--repo', repo);
    expect(await git(repo, ['status', '--porcelain'])).toBe('');
    const first = await slipway({}, 'ci', '--repo', repo);
    expect(first.code, first.output).toBe(0);
    expect(await readFile(join(repo, '.slipway', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(await git(repo, ['status', '--porcelain'])).toBe('');
    const second = await slipway({}, 'ci', '--repo', repo);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/packages +unchanged since run #1/);
  });

  it("counts the tests of scripts that write no report (node's runner with its default reporter), and measures no coverage nobody asked for", async () => {
    const repo = join(work, 'plain-tests');
    await createCiWorkspace(repo);
    // Test scripts as a repository has them: node's runner with its default reporter, no files written.
    for (const name of ['core', 'app']) {
      const path = join(repo, 'packages', name, 'package.json');
      const manifest = JSON.parse(await readFile(path, 'utf8'));
      await writeFile(path, JSON.stringify({ ...manifest, scripts: { ...manifest.scripts, test: 'node --test dist/' } }, null, 2));
    }
    await git(repo, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qam', 'plain test scripts']);
    const run = await slipway({}, 'ci', '--repo', repo, '--home', join(work, 'plain-home'));
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/unit +2 tests passed in 2 packages \(/);
    expect(run.output).not.toMatch(/passed by exit code/);
    expect(run.output).toMatch(/coverage +not measured: no coverage report from 2 packages, and no coverage threshold asks for one/);

    // A root script that only runs the packages' own (none has one) would test nothing: the run says no test ran.
    const rootOnly = join(work, 'root-tests');
    await createCiWorkspace(rootOnly);
    for (const name of ['core', 'app']) {
      const path = join(rootOnly, 'packages', name, 'package.json');
      const { scripts, ...manifest } = JSON.parse(await readFile(path, 'utf8'));
      await writeFile(path, JSON.stringify({ ...manifest, scripts: { build: scripts.build } }, null, 2));
    }
    const rootManifest = JSON.parse(await readFile(join(rootOnly, 'package.json'), 'utf8'));
    await writeFile(
      join(rootOnly, 'package.json'),
      JSON.stringify({ ...rootManifest, scripts: { test: 'npm test --workspaces --if-present' } }),
    );
    await git(rootOnly, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qam', 'root tests']);
    const rootRun = await slipway({}, 'ci', '--repo', rootOnly, '--home', join(work, 'root-home'));
    expect(rootRun.output).toMatch(
      /unit +no test ran: no workspace package has a "test" script \(the root's "npm test --workspaces --if-present" runs theirs\)/,
    );
    expect(rootRun.output).toContain('give the packages their own "test" scripts');

    // A failing test fails the run, named with its test file though no report was configured.
    await writeFile(join(repo, 'packages/core/src/index.js'), 'export const double = (n) => n * 3;\n');
    const failing = await slipway({}, 'ci', '--repo', repo, '--home', join(work, 'plain-home'));
    expect(failing.code).toBe(1);
    expect(failing.output).toMatch(
      /Unit tests failed: test failed in @ci\/(core|app): (doubles|quadruples) \(packages\/(core|app)\/src\/index\.test\.js\)/,
    );
  });

  it('shares results between runners through the S3 remote cache', async () => {
    const remote = { bucket: 'team-cache', endpoint: s3.env.S3_ENDPOINT, region: s3.env.AWS_REGION, prefix: 'shared/' };
    const credentials = {
      AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY,
      SLIPWAY_CACHE_KEY: randomBytes(32).toString('hex'),
    };
    const [repoA, repoB] = [join(work, 'runner-a'), join(work, 'runner-b')];
    await createCiWorkspace(repoA, { cache: { remote } });
    await createCiWorkspace(repoB, { cache: { remote } });
    await git(repoB, ['checkout', '-q', '-b', 'feature/b']); // a pull request's run: it reads, main's runs write

    const runnerA = await slipway(credentials, 'ci', '--repo', repoA, '--home', join(work, 'home-a'));
    expect(runnerA.code, runnerA.output).toBe(0);
    expect(runnerA.output).toMatch(/cache: 0 local hits, 0 remote hits, \d+ misses; uploaded [1-9]\d*/);

    // Another machine: nothing local, so builds and test results come from the bucket.
    const runnerB = await slipway(credentials, 'ci', '--repo', repoB, '--home', join(work, 'home-b'));
    expect(runnerB.code, runnerB.output).toBe(0);
    expect(runnerB.output).toMatch(/packages +2 packages: 2 from cache, 0 built/);
    expect(runnerB.output).toMatch(/2 replayed from cache/);
    expect(runnerB.output).toMatch(
      /cache: 0 local hits, [4-9] remote hits, \d+ misses; read only \(branch feature\/b is not in cache.remote.write\)/,
    );
    expect(runnerB.output).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    for (const output of [runnerA.output, runnerB.output]) expect(output).not.toContain(credentials.SLIPWAY_CACHE_KEY);
  });

  it('goes on with a warning when the remote cache cannot be reached', async () => {
    const closed = await freePort();
    const repo = join(work, 'offline');
    await createCiWorkspace(repo, {
      cache: { remote: { bucket: 'team-cache', endpoint: `http://127.0.0.1:${closed}`, region: 'us-east-1' } },
    });
    const result = await slipway(
      { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'not-shown-anywhere', SLIPWAY_CACHE_KEY: 'a-cache-key-that-is-long-enough-to-sign' },
      'ci',
      '--repo',
      repo,
      '--home',
      join(work, 'offline-home'),
    );
    expect(result.code, result.output).toBe(0);
    // node_modules is already installed, so the first cache to reach for the remote is the build outputs'.
    expect(result.output).toMatch(/⚠ Remote cache s3:\/\/team-cache\/outputs\/ at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect(result.output.match(/⚠ Remote cache/g)).toHaveLength(1);
    expect(result.output).toMatch(/packages +2 packages: 0 from cache, 2 built/);
    expect(result.output).not.toContain('not-shown-anywhere');
    expect(result.output).not.toContain('a-cache-key-that-is-long-enough-to-sign');
  });
});
