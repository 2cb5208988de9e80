import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingRunners } from '../../../test-support/recording-runners.ts';
import { runPackageScript } from '../../scripts/run-script.ts';
import { runnerEnv, runnerShimDir, shimmedCommands } from './runner-shims.ts';

let root: string;
let pkg: string;
let log: string;
let shimDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-shims-test-'));
  pkg = join(root, 'packages', 'app');
  log = join(root, 'runs.log');
  await mkdir(pkg, { recursive: true });
  // Installed at the workspace root, as npm hoists them; tsc and cross-env stand in for any tool.
  // node is recorded only where a test asks (npm itself runs on node).
  await recordingRunners(root, log, [...shimmedCommands.filter((name) => name !== 'node'), 'tsc']);
  await writeFile(
    join(root, 'node_modules', '.bin', 'cross-env'),
    '#!/bin/sh\nwhile case $1 in *=*) true;; *) false;; esac; do export "$1"; shift; done\nexec "$@"\n',
    {
      mode: 0o755,
    },
  );
  shimDir = await runnerShimDir();
});
afterAll(async () => rm(root, { recursive: true, force: true }));
beforeEach(async () => {
  await rm(join(pkg, 'node_modules'), { recursive: true, force: true });
});

/** Runs `script` as the package's test script through the shims; what each runner was started with. */
async function started(script: string, opts: { coverage?: boolean; env?: Record<string, string> } = {}) {
  await rm(log, { force: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@x/app', scripts: { test: script, 'test:unit': 'vitest run' } }));
  const env = runnerEnv({ shimDir, resultsDir: '/results', coverageDir: opts.coverage ? '/coverage' : undefined });
  const run = await runPackageScript({ dir: pkg, script: 'test', env: { ...env, ...opts.env }, pathPrefix: [shimDir] });
  const lines = (await readFile(log, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    // Each invocation's files carry its process id: the same for the runner, so one placeholder.
    .map((line) => line.replace(/-\d+(\.xml|\.json|\.info|\]| |$)/g, '-<id>$1'));
  return { code: run.code, output: run.output, lines };
}

async function installed(name: string): Promise<void> {
  await mkdir(join(pkg, 'node_modules', name), { recursive: true });
  await writeFile(join(pkg, 'node_modules', name, 'package.json'), JSON.stringify({ name }));
}

describe('vitest', () => {
  it('adds the default and JUnit reporters, one file per invocation', async () => {
    expect((await started('vitest run')).lines).toEqual([
      'vitest [run] [--reporter=default] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
    ]);
  });

  it('reaches a runner behind other commands, an environment setter and npm, pnpm or yarn running another script', async () => {
    const { lines, output } = await started('tsc -b && cross-env NODE_ENV=test vitest && npm run test:unit && echo done');
    expect(lines).toEqual([
      'tsc [-b]',
      'vitest [--reporter=default] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
      'vitest [run] [--reporter=default] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
    ]);
    expect(output).toContain('done');
    for (const call of ['npm run test:unit', 'pnpm test:unit', 'yarn run test:unit'])
      expect((await started(call)).lines).toEqual([
        'vitest [run] [--reporter=default] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
      ]);
  });

  it("keeps the script's own reporter and adds JUnit", async () => {
    expect((await started('vitest run --reporter=dot')).lines).toEqual([
      'vitest [run] [--reporter=dot] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
    ]);
  });

  it('leaves watch mode, the UI, benchmarks and listings alone', async () => {
    expect((await started('vitest --watch; vitest --ui; vitest bench; vitest list; vitest run -- x')).lines).toEqual([
      'vitest [--watch]',
      'vitest [--ui]',
      'vitest [bench]',
      'vitest [list]',
      'vitest [run] [--] [x]',
    ]);
  });

  it('collects lcov coverage with the provider the package has, and none without one', async () => {
    expect((await started('vitest run', { coverage: true })).lines).toEqual([
      'vitest [run] [--reporter=default] [--reporter=junit] [--outputFile.junit=/results/vitest-<id>.xml]',
    ]);
    await installed('@vitest/coverage-istanbul');
    expect((await started('vitest run', { coverage: true })).lines[0]).toContain(
      '[--coverage.enabled=true] [--coverage.provider=istanbul] [--coverage.reporter=lcovonly] [--coverage.reportsDirectory=/coverage/vitest-<id>]',
    );
    await installed('@vitest/coverage-v8');
    expect((await started('vitest run', { coverage: true })).lines[0]).toMatch(
      /\[--coverage\.enabled=true\] \[--coverage\.reporter=lcovonly\] \[--coverage\.reportsDirectory=\/coverage\/vitest-<id>\]$/,
    );
  });
});

describe('jest', () => {
  it("writes jest's JSON result next to the script's own reporters", async () => {
    expect((await started('jest --ci')).lines).toEqual([
      'jest [--ci] [--json] [--testLocationInResults] [--outputFile=/results/jest-<id>.json]',
    ]);
  });

  it('adds lcov coverage when asked', async () => {
    expect((await started('jest', { coverage: true })).lines[0]).toMatch(
      / \[--coverage\] \[--coverageReporters=lcovonly\] \[--coverageDirectory=\/coverage\/jest-<id>\]$/,
    );
  });

  it('leaves watch modes, listings and a JSON result the script asks for alone', async () => {
    expect((await started('jest --watch; jest --listTests; jest --json')).lines).toEqual([
      'jest [--watch]',
      'jest [--listTests]',
      'jest [--json]',
    ]);
  });
});

describe('mocha', () => {
  it("reports through Slipway's reporter, with V8 coverage when asked", async () => {
    expect((await started('mocha test/')).lines).toEqual([
      `mocha [test/] [--reporter] [${shimDir}/mocha-reporter.cjs] SLIPWAY_MOCHA_REPORT=/results/mocha-<id>.xml`,
    ]);
    expect((await started('mocha', { coverage: true })).lines[0]).toMatch(/ NODE_V8_COVERAGE=\/coverage\/v8-<id> /);
  });

  it('leaves a reporter the script chose, and watch mode, alone', async () => {
    expect((await started('mocha --reporter dot; mocha -w')).lines).toEqual(['mocha [--reporter] [dot]', 'mocha [-w]']);
  });
});

describe('playwright', () => {
  it('adds the JUnit reporter to a test run only', async () => {
    expect((await started('playwright test; playwright install chromium')).lines).toEqual([
      'playwright [test] [--reporter=list,junit] PLAYWRIGHT_JUNIT_OUTPUT_FILE=/results/playwright-<id>.xml',
      'playwright [install] [chromium]',
    ]);
  });
});

describe('node --test', () => {
  beforeEach(async () => recordingRunners(pkg, log, ['node']));

  it('adds spec on stdout and JUnit to a file before the test files', async () => {
    expect((await started('node --import tsx --test dist/')).lines).toEqual([
      'node [--test-reporter=spec] [--test-reporter-destination=stdout] [--test-reporter=junit] [--test-reporter-destination=/results/node-<id>.xml] [--import] [tsx] [--test] [dist/]',
    ]);
  });

  it('adds its lcov reporter and coverage when asked', async () => {
    expect((await started('tsx --test src/', { coverage: true })).lines).toEqual([
      'tsx [--test-reporter=spec] [--test-reporter-destination=stdout] [--test-reporter=junit] [--test-reporter-destination=/results/node-<id>.xml] [--test-reporter=lcov] [--test-reporter-destination=/coverage/node-<id>.info] [--experimental-test-coverage] [--test] [src/]',
    ]);
  });

  it("pairs the script's own reporter with its destination", async () => {
    expect((await started('node --test --test-reporter=dot')).lines).toEqual([
      'node [--test-reporter=junit] [--test-reporter-destination=/results/node-<id>.xml] [--test-reporter-destination=stdout] [--test] [--test-reporter=dot]',
    ]);
  });

  it('leaves a script that writes JUnit itself, watch mode and an eval alone', async () => {
    const script =
      'node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml; node --watch --test; node -e 1; node --version';
    expect((await started(script)).lines).toEqual([
      'node [--test] [--test-reporter=junit] [--test-reporter-destination=reports/junit.xml]',
      'node [--watch] [--test]',
      'node [-e] [1]',
      'node [--version]',
    ]);
  });

  it("adds TAP on stdout (node's own default off a terminal) and JUnit to a plain script, whose node:test tests run as it runs", async () => {
    expect((await started('node --conditions development test/index.js --test', { coverage: true })).lines).toEqual([
      'node [--test-reporter=tap] [--test-reporter-destination=stdout] [--test-reporter=junit] [--test-reporter-destination=/results/node-<id>.xml] [--conditions] [development] [test/index.js] [--test]',
    ]);
  });
});

describe('the shims', () => {
  it("never change a runner's exit code", async () => {
    const run = await started('vitest run', { env: { RECORDED_EXIT: '3' } });
    expect(run.code).toBe(3);
    expect(run.lines).toHaveLength(1);
  });

  it('say a runner that is not installed is not found, as the shell would', async () => {
    const env = runnerEnv({ shimDir, resultsDir: '/results' });
    const bare = await mkdtemp(join(tmpdir(), 'slipway-bare-'));
    await writeFile(join(bare, 'package.json'), JSON.stringify({ name: 'bare', scripts: { test: 'mocha' } }));
    const missing = await runPackageScript({ dir: bare, script: 'test', env, pathPrefix: [shimDir] });
    await rm(bare, { recursive: true, force: true });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('mocha: not found\n');
  });

  it('run the real command untouched outside a test run', async () => {
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@x/app', scripts: { test: 'vitest run' } }));
    await rm(log, { force: true });
    await runPackageScript({ dir: pkg, script: 'test', env: { SLIPWAY_SHIM_DIR: shimDir }, pathPrefix: [shimDir] });
    expect(await readFile(log, 'utf8')).toBe('vitest [run]\n');
  });
});
