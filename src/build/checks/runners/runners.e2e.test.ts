import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../../shared/exec.ts';
import { git } from '../../../shared/git.ts';
import { packageManagerBinDir } from '../../../test-support/package-managers.ts';
import {
  breakAssertion,
  configureRunnerWorkspace,
  createRunnerWorkspace,
  runnerPackages,
  type Runner,
} from '../../../test-support/runner-workspace.ts';
import { testRunFailure } from '../feedback.ts';
import { runPackageTests } from '../run.ts';
import { collectedPaths } from './collected.ts';

// Real vitest, jest, mocha and node --test in workspaces with no reporter or coverage setting:
// each runner's package has two passing tests and an uncalled function. Installed once per
// workspace from the npm registry.
const cli = fileURLToPath(new URL('../../../../bin/slipway.js', import.meta.url));
const runners = Object.keys(runnerPackages) as Runner[];
const install = 600_000;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-runners-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const slipway = (repo: string, env: Record<string, string> = {}) =>
  exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', join(repo, '..', `${repo.split('/').pop()}-home`)], {
    env: { ...process.env, NO_COLOR: '1', ...env },
  });

/** What git says changed in the work tree: Slipway's runs must leave it as it was. */
const workTreeChanges = async (repo: string) => (await git(repo, ['status', '--porcelain'])).trim();

describe('an npm workspace', () => {
  let repo: string;
  beforeAll(async () => {
    repo = join(work, 'npm');
    // Coverage asked for everywhere but in the jest package, excluded by a glob.
    await createRunnerWorkspace(repo, { tool: 'npm', config: { coverage: { lines: 50, exclude: ['@rw/j*'] } } });
  }, install);

  it("counts every runner's tests with no reporter setting, and collects coverage where a threshold asks for it", async () => {
    const run = await slipway(repo);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/unit +8 tests passed in 4 packages \(/);
    expect(run.output).not.toMatch(/passed by exit code/);
    expect(run.output).toMatch(/coverage +lines [\d.]+ %, functions [\d.]+ %, branches [\d.]+ % \(/);
    expect(run.output).not.toMatch(/not measured/);
    // vitest (with @vitest/coverage-v8), mocha (V8 coverage through c8) and node measured; jest excluded, so not asked.
    const collected = (runner: Runner) => existsSync(collectedPaths(join(repo, runnerPackages[runner].dir)).lcov);
    expect(runners.filter(collected)).toEqual(['vitest', 'mocha', 'node']);
    expect(await workTreeChanges(repo)).toBe('');
  });

  it('names the failing test and its file:line for each runner', async () => {
    for (const runner of runners) {
      const { name, dir, testFile } = runnerPackages[runner];
      const undo = await breakAssertion(repo, runner);
      const result = await runPackageTests({
        name,
        dir: join(repo, dir),
        script: 'test',
        junitPath: 'reports/junit.xml',
        lcovPath: 'coverage/lcov.info',
        repoRoot: repo,
      }).finally(undo);
      expect(result, runner).toMatchObject({ passed: 1, failed: 1, reported: true });
      const where = `${dir}/${testFile}:8`;
      const title = runner === 'vitest' ? `${testFile} > sum > adds negatives` : 'sum > adds negatives';
      expect(testRunFailure(result)!.specific, runner).toBe(`test failed in ${name}: ${title} (${where})`);
      expect(result.failures[0].message, runner).toMatch(/-3.*4|4.*-3/s);
    }
  });

  it('judges a script it cannot recognise by its exit code, shows its output on a failure, and says its coverage was not measured', async () => {
    const manifestPath = join(repo, runnerPackages.node.dir, 'package.json');
    const manifest = await readFile(manifestPath, 'utf8');
    // node started by its absolute path: no runner Slipway knows is started.
    await writeFile(manifestPath, manifest.replace('"node --test"', JSON.stringify(`${process.execPath} src/sum.test.js`)));
    try {
      const run = await slipway(repo);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/unit +6 tests passed in 4 packages.*; 1 package passed by exit code \(no JUnit report\)/);
      expect(run.output).toContain('coverage not measured for @rw/node-lib: no coverage report');
      expect(run.output).toMatch(/coverage +lines [\d.]+ %.*; not measured \(no report\): @rw\/node-lib/);
      expect(run.output).not.toContain('Insufficient');

      const undo = await breakAssertion(repo, 'node');
      const { name, dir } = runnerPackages.node;
      const options = { junitPath: 'reports/junit.xml', lcovPath: 'coverage/lcov.info', repoRoot: repo, script: 'test' };
      const failed = await runPackageTests({ name, dir: join(repo, dir), ...options }).finally(undo);
      expect(failed).toMatchObject({ failed: 1, exitCode: 1, reported: false });
      expect(failed.failures[0].message).toMatch(/^exited with code 1 and wrote no JUnit report/);
      expect(testRunFailure(failed)!.logExcerpt.join('\n')).toMatch(/adds negatives[\s\S]*-3 !== 4/);
    } finally {
      await writeFile(manifestPath, manifest);
    }
  });

  it('counts the tests of a file that imports node:test run as a plain script, and names a failure by its file:line', async () => {
    const manifestPath = join(repo, runnerPackages.node.dir, 'package.json');
    const manifest = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, manifest.replace('"node --test"', '"node src/sum.test.js"'));
    const { name, dir, testFile } = runnerPackages.node;
    const options = {
      name,
      dir: join(repo, dir),
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
      repoRoot: repo,
      script: 'test',
    };
    try {
      expect(await runPackageTests(options)).toMatchObject({ passed: 2, failed: 0, reported: true });
      const undo = await breakAssertion(repo, 'node');
      const failed = await runPackageTests(options).finally(undo);
      expect(failed).toMatchObject({ passed: 1, failed: 1, reported: true });
      expect(testRunFailure(failed)!.specific).toBe(`test failed in ${name}: sum > adds negatives (${dir}/${testFile}:8)`);
    } finally {
      await writeFile(manifestPath, manifest);
    }
  });

  it('fails coverage below a threshold on the lines no test ran, and coverage: false turns the stage off', async () => {
    await configureRunnerWorkspace(repo, { coverage: { lines: 99, exclude: ['@rw/j*'] } });
    const below = await slipway(repo);
    expect(below.code, below.output).toBe(1);
    expect(below.output).toMatch(/✖ Insufficient test coverage: .*lines coverage [\d.]+% is below 99%/);
    for (const runner of ['vitest', 'mocha', 'node'] as const) {
      const source = runner === 'vitest' ? 'src/sum.ts' : runner === 'mocha' ? 'lib/sum.js' : 'src/sum.js';
      expect(below.output).toMatch(new RegExp(`${runnerPackages[runner].dir}/${source}: \\d`));
    }
    expect(below.output).not.toContain('packages/jest-lib/src/sum.js');

    await configureRunnerWorkspace(repo, { coverage: false });
    const off = await slipway(repo);
    expect(off.code, off.output).toBe(0);
    expect(off.output).toMatch(/coverage +off \(coverage: false in the configuration\)/);
    expect(off.output).toMatch(/unit +8 tests passed in 4 packages/);
  });
});

describe('a pnpm workspace', () => {
  let repo: string;
  let pnpmBin: string;
  beforeAll(async () => {
    // pnpm as a repository's CI would have it: installed, on PATH.
    pnpmBin = await packageManagerBinDir('pnpm');
    repo = join(work, 'pnpm');
    await createRunnerWorkspace(repo, { tool: 'pnpm', managerBin: join(pnpmBin, 'pnpm'), config: { coverage: { lines: 50 } } });
  }, install);

  it("counts every runner's tests and collects coverage, without touching the repository", async () => {
    const run = await slipway(repo, { PATH: `${pnpmBin}:${process.env.PATH}` });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/unit +8 tests passed in 4 packages \(/);
    expect(run.output).toMatch(/coverage +lines [\d.]+ %/);
    expect(run.output).not.toMatch(/not measured/);
    expect(await workTreeChanges(repo)).toBe('');

    const undo = await breakAssertion(repo, 'vitest');
    const broken = await slipway(repo, { PATH: `${pnpmBin}:${process.env.PATH}` }).finally(undo);
    expect(broken.code, broken.output).toBe(1);
    expect(broken.output).toContain(
      '✖ Unit tests failed: test failed in @rw/vitest-lib: src/sum.test.ts > sum > adds negatives (packages/vitest-lib/src/sum.test.ts:8)',
    );
  });
});

describe('a Yarn 1 workspace', () => {
  let repo: string;
  let yarnBin: string;
  beforeAll(async () => {
    yarnBin = await packageManagerBinDir('yarn-classic');
    repo = join(work, 'yarn');
    await createRunnerWorkspace(repo, { tool: 'yarn', managerBin: join(yarnBin, 'yarn') });
  }, install);

  it("counts every runner's tests, and names a failing jest test by its file:line, in Yarn's words", async () => {
    const env = { PATH: `${yarnBin}:${process.env.PATH}` };
    const run = await slipway(repo, env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/deps +already installed \(yarn/);
    expect(run.output).toMatch(/unit +8 tests passed in 4 packages \(/);
    expect(await workTreeChanges(repo)).toBe('');

    const undo = await breakAssertion(repo, 'jest');
    const broken = await slipway(repo, env).finally(undo);
    expect(broken.code, broken.output).toBe(1);
    expect(broken.output).toContain(
      '✖ Unit tests failed: test failed in @rw/jest-lib: sum > adds negatives (packages/jest-lib/src/sum.test.js:8)',
    );
    expect(broken.output).toContain("run the package's tests locally: yarn workspace @rw/jest-lib run test.");
  });
});
