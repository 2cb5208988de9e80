import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { waitFor } from '../shared/net.ts';
import { isRunning } from '../shared/process.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

/** Waits (without a clock of its own: as long as the run takes) until a file exists. */
const waitForFile = `const waitForFile = async (path) => {
  for (let waited = 0; !existsSync(path) && waited < 120000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
};
`;

/**
 * @ff/slow's test writes "started" with its pid, then waits for "release" before it writes
 * "finished". @ff/a's and @ff/b's tests wait until it has started, write "<name>-failed" and fail.
 * Both depend on @ff/slow, so its tests are the first to start. The markers' directory comes from
 * FAIL_FAST_MARKERS, outside every hash: a second run has the same inputs as the first.
 */
const fixture: Record<string, string> = {
  'packages/slow/src/index.test.js': `import { test } from 'node:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
${waitForFile}const markers = process.env.FAIL_FAST_MARKERS;
test('waits for the release', async () => {
  writeFileSync(join(markers, 'started'), String(process.pid));
  await waitForFile(join(markers, 'release'));
  writeFileSync(join(markers, 'finished'), 'finished');
});
`,
  ...failingPackage('a'),
  ...failingPackage('b'),
};

function failingPackage(name: string): Record<string, string> {
  return {
    [`packages/${name}/src/index.test.js`]: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
${waitForFile}const markers = process.env.FAIL_FAST_MARKERS;
test('adds in ${name}', async () => {
  await waitForFile(join(markers, 'started'));
  writeFileSync(join(markers, '${name}-failed'), '');
  assert.equal(1 + 1, 3);
});
`,
  };
}

describe('slipway ci, failing fast', () => {
  let work: string;
  let repo: string;
  let home: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-fail-fast-'));
    repo = join(work, 'repo');
    home = join(work, 'home');
    await createCiWorkspace(repo);
    const core = JSON.parse(await readFile(join(repo, 'packages/core/package.json'), 'utf8'));
    const manifest = (name: string, dependencies: Record<string, string>) =>
      `${JSON.stringify({ ...core, name, dependencies }, null, 2)}\n`;
    const files = {
      ...fixture,
      'packages/slow/package.json': manifest('@ff/slow', {}),
      'packages/a/package.json': manifest('@ff/a', { '@ff/slow': '*' }),
      'packages/b/package.json': manifest('@ff/b', { '@ff/slow': '*' }),
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), content);
    }
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: repo });
    await git(repo, ['add', '-A']);
    await git(repo, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'two failing packages and a slow one']);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const slipway = async (markers: string, ...args: string[]) => {
    await mkdir(markers, { recursive: true });
    return exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', home, '--verbose', ...args], {
      env: { ...process.env, NO_COLOR: '1', FAIL_FAST_MARKERS: markers },
    });
  };

  it('stops the slow package at the first failure and says so; --no-fail-fast runs it again and names both failures', async () => {
    const fast = join(work, 'markers-fast');
    const first = await slipway(fast);
    expect(first.code, first.output).toBe(1);
    // The slow test had started, and was stopped: its process is gone and it never finished.
    const pid = Number(await readFile(join(fast, 'started'), 'utf8'));
    expect(isRunning({ pid }), first.output).toBe(false);
    expect(existsSync(join(fast, 'finished')), first.output).toBe(false);
    expect(first.output).toMatch(/✖ unit +test failed in @ff\/[ab]: adds in [ab]/);
    // The other failing package was stopped or never started, unless it failed at the same moment.
    expect(first.output).toMatch(/stopped [12] other package(?:'s|s') tests \(fail-fast; --no-fail-fast runs them all\)/);
    const stopped = /fail-fast: stopped the tests of (.+)/.exec(first.output)?.[1].split(', ');
    expect(stopped, first.output).toContain('@ff/slow');
    expect(first.output).not.toContain('failed in @ff/slow');

    // Every test runs: the slow one's stopped run was not cached, so it runs again rather than replay.
    const all = join(work, 'markers-all');
    const second = slipway(all, '--no-fail-fast');
    const bothFailed = await waitFor(async () => existsSync(join(all, 'a-failed')) && existsSync(join(all, 'b-failed')), 240_000, 50);
    await writeFile(join(all, 'release'), '');
    const run = await second;
    expect(bothFailed, run.output).toBe(true);
    expect(run.code, run.output).toBe(1);
    expect(existsSync(join(all, 'finished')), run.output).toBe(true);
    expect(run.output).toMatch(/✖ unit +test failed in @ff\/a: adds in a \(packages\/a\/src\/index\.test\.js\) \(and failures in @ff\/b\)/);
    expect(run.output).not.toMatch(/stopped .*\(fail-fast|fail-fast: stopped/);
  });

  it('stops the other builds at a failed build, and does not cache the stopped one', async () => {
    // A second repository: @ff/slowbuild's build waits for "release"; @ff/broken's fails once it has started.
    const builds = join(work, 'builds');
    await createCiWorkspace(builds);
    const buildScript = (body: string) => `import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
${waitForFile}const markers = process.env.FAIL_FAST_MARKERS;
${body}
`;
    const files = {
      'packages/slowbuild/package.json': JSON.stringify({ name: '@ff/slowbuild', version: '1.0.0', scripts: { build: 'node build.mjs' } }),
      'packages/slowbuild/build.mjs': buildScript(`writeFileSync(join(markers, 'started'), String(process.pid));
await waitForFile(join(markers, 'release'));
writeFileSync(join(markers, 'finished'), '');`),
      'packages/broken/package.json': JSON.stringify({ name: '@ff/broken', version: '1.0.0', scripts: { build: 'node build.mjs' } }),
      'packages/broken/build.mjs': buildScript(`await waitForFile(join(markers, 'started'));
console.error('cannot compile: broken on purpose');
process.exit(1);`),
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(builds, path)), { recursive: true });
      await writeFile(join(builds, path), content);
    }
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: builds });
    await git(builds, ['add', '-A']);
    await git(builds, ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'a broken build and a slow one']);
    const build = async (markers: string, ...args: string[]) => {
      await mkdir(markers, { recursive: true });
      return exec(process.execPath, [cli, 'ci', '--repo', builds, '--home', join(work, 'builds-home'), ...args], {
        env: { ...process.env, NO_COLOR: '1', FAIL_FAST_MARKERS: markers },
      });
    };

    const fast = join(work, 'builds-fast');
    const first = await build(fast);
    expect(first.code, first.output).toBe(1);
    const pid = Number(await readFile(join(fast, 'started'), 'utf8'));
    expect(isRunning({ pid }), first.output).toBe(false);
    expect(existsSync(join(fast, 'finished')), first.output).toBe(false);
    expect(first.output).toMatch(/✖ packages +@ff\/broken failed to build \(npm run build exited with 1\)/);
    expect(first.output).toContain('stopped 1 other build: @ff/slowbuild (fail-fast; --no-fail-fast runs them all)');
    expect(first.output).toContain('cannot compile: broken on purpose');
    expect(first.output).toMatch(/– unit +not run: packages did not succeed/);

    // The stopped build was not cached: without fail-fast it builds again, to its end.
    const all = join(work, 'builds-all');
    const second = build(all, '--no-fail-fast');
    await waitFor(async () => existsSync(join(all, 'started')), 240_000, 50);
    await writeFile(join(all, 'release'), '');
    const run = await second;
    expect(run.code, run.output).toBe(1);
    expect(existsSync(join(all, 'finished')), run.output).toBe(true);
    expect(run.output).toMatch(/✖ packages +@ff\/broken failed to build/);
    expect(run.output).not.toContain('stopped 1 other build');
  });

  it('refuses --fail-fast with --no-fail-fast, naming both', async () => {
    const run = await slipway(join(work, 'markers-both'), '--fail-fast', '--no-fail-fast');
    expect(run.code, run.output).not.toBe(0);
    expect(run.stderr).toContain('--fail-fast and --no-fail-fast were both given');
    expect(run.stderr).toContain('hint: give one');
  });
});
