import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseLcov } from './lcov.ts';
import { checkCoverage } from './coverage.ts';
import { runBrowserTests, runPackageTests } from './run.ts';
import { testRunFailure } from './feedback.ts';

const nodeTest =
  'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=reports/junit.xml';
const withCoverage = `${nodeTest} --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info`;

let repo: string;

async function write(path: string, content: string): Promise<void> {
  await mkdir(dirname(join(repo, path)), { recursive: true });
  await writeFile(join(repo, path), content);
}

/** A package whose TypeScript tests are compiled to dist/ (with or without source maps) and run there. */
async function tsPackage(
  dir: string,
  name: string,
  testSource: string,
  sourcemap: boolean,
  testScript = `${withCoverage} dist/`,
): Promise<string> {
  await write(`${dir}/package.json`, JSON.stringify({ name, version: '1.0.0', type: 'module', scripts: { test: testScript } }));
  await write(
    `${dir}/src/format.ts`,
    'export function pad(n: number): string {\n  return n < 10 ? `0${n}` : `${n}`;\n}\n\nexport function unused(): string {\n  return "never called";\n}\n',
  );
  await write(`${dir}/src/format.test.ts`, testSource);
  await build({
    entryPoints: [join(repo, dir, 'src/format.ts'), join(repo, dir, 'src/format.test.ts')],
    outdir: join(repo, dir, 'dist'),
    format: 'esm',
    platform: 'node',
    sourcemap,
    logLevel: 'silent',
  });
  return join(repo, dir);
}

const failingTests = `import { describe, test } from 'node:test';
import assert from 'node:assert';
import { pad } from './format.js';

// A comment shifts the lines, so compiled and source lines differ.
type Case = [number, string];
const cases: Case[] = [[7, '07']];

describe('pad', () => {
  test('pads one digit', () => {
    for (const [input, expected] of cases) assert.strictEqual(pad(input), expected);
  });
  test('keeps two digits', () => {
    assert.strictEqual(pad(12), '012');
  });
});
`;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slipway-testing-'));
});
afterAll(async () => rm(repo, { recursive: true, force: true }));

describe('runPackageTests', () => {
  it('reports the failing test by name, source file and line, and the coverage report', async () => {
    const dir = await tsPackage('packages/shared', '@embark/shared', failingTests, true);
    const lines: string[] = [];
    const result = await runPackageTests({
      name: '@embark/shared',
      dir,
      script: 'test',
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
      repoRoot: repo,
      onLine: (line) => lines.push(line),
    });
    expect(result).toMatchObject({
      package: '@embark/shared',
      passed: 1,
      failed: 1,
      skipped: 0,
      exitCode: 1,
      lcovPath: join(dir, 'coverage/lcov.info'),
    });
    expect(result.failures).toEqual([
      {
        name: 'keeps two digits',
        suite: 'pad',
        file: 'packages/shared/src/format.test.ts',
        line: 14,
        message: "Expected values to be strictly equal:\n\n'12' !== '012'",
      },
    ]);
    expect(lines.some((line) => line.includes('keeps two digits'))).toBe(true);
    expect(testRunFailure(result)!.specific).toBe(
      'test failed in @embark/shared: pad > keeps two digits (packages/shared/src/format.test.ts:14)',
    );
    expect(testRunFailure(result)!.details[0]).toBe(
      "pad > keeps two digits (packages/shared/src/format.test.ts:14): Expected values to be strictly equal:\n\n'12' !== '012'",
    );

    const coverage = parseLcov(await readFile(result.lcovPath!, 'utf8'), dir, repo);
    // node 20 maps coverage through the source maps, and reports the test file too.
    expect(coverage.map((file) => file.file)).toEqual(['packages/shared/src/format.test.ts', 'packages/shared/src/format.ts']);
    expect(coverage[1].functions).toEqual({ found: 2, hit: 1 });
    const check = checkCoverage({ '@embark/shared': coverage }, { lines: 90, packages: {}, exclude: [] });
    expect(check.violations).toEqual([
      {
        scope: 'global',
        metric: 'lines',
        actual: 71.42,
        required: 90,
        uncovered: [{ file: 'packages/shared/src/format.ts', ranges: '6-7' }],
      },
    ]);
  });

  it('passes a passing package', async () => {
    const dir = await tsPackage('packages/ok', '@embark/ok', failingTests.replace("'012'", "'12'"), true);
    const result = await runPackageTests({
      name: '@embark/ok',
      dir,
      script: 'test',
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
    });
    expect(result).toMatchObject({ passed: 2, failed: 0, skipped: 0, exitCode: 0, failures: [] });
    expect(testRunFailure(result)).toBeUndefined();
  });

  it('maps dist/x.test.js to src/x.test.ts without a source map, dropping the compiled line', async () => {
    const dir = await tsPackage('packages/nomap', '@embark/nomap', failingTests, false);
    const result = await runPackageTests({
      name: '@embark/nomap',
      dir,
      script: 'test',
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
    });
    expect(result.failures.map(({ file, line }) => ({ file, line }))).toEqual([{ file: 'src/format.test.ts', line: undefined }]);
  });

  it('reports a crash as a failure with the output tail, never reading the previous report', async () => {
    const dir = join(repo, 'packages/crash');
    await write(
      'packages/crash/package.json',
      JSON.stringify({
        name: '@embark/crash',
        version: '1.0.0',
        scripts: { test: 'node -e "console.error(\'TS2304: Cannot find name formatDate\'); process.exit(2)"' },
      }),
    );
    await write('packages/crash/reports/junit.xml', '<testsuites><testcase name="stale pass"/></testsuites>');
    const result = await runPackageTests({
      name: '@embark/crash',
      dir,
      script: 'test',
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
    });
    expect(result).toMatchObject({ passed: 0, failed: 1, exitCode: 2 });
    expect(result.lcovPath).toBeUndefined();
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0].name).toBe('npm run test');
    expect(result.failures[0].message).toMatch(
      /^exited with code 2 and wrote no JUnit report to reports\/junit.xml, so no test can be named \(a failing test, a crash or a compile error: see its output\)$/,
    );
    // The output is shown once, as the log excerpt, not repeated in the message.
    expect(testRunFailure(result)!.logExcerpt.join('\n')).toContain('TS2304: Cannot find name formatDate');
    expect(existsSync(join(dir, 'reports/junit.xml'))).toBe(false);
    expect(testRunFailure(result)!.specific).toBe('test failed in @embark/crash: npm run test');
  });

  it('passes a passing script that writes no JUnit report by its exit code, and names a crash as its package manager runs it', async () => {
    await write('packages/plain/package.json', JSON.stringify({ name: '@embark/plain', version: '1.0.0', scripts: { test: 'echo ok' } }));
    const options = { dir: join(repo, 'packages/plain'), script: 'test', junitPath: 'reports/junit.xml', lcovPath: 'coverage/lcov.info' };
    const passing = await runPackageTests({ name: '@embark/plain', ...options, command: 'pnpm run test' });
    expect(passing).toMatchObject({ passed: 0, failed: 0, exitCode: 0, reported: false, failures: [] });
    expect(testRunFailure(passing)).toBeUndefined();

    await write('packages/plain/package.json', JSON.stringify({ name: '@embark/plain', version: '1.0.0', scripts: { test: 'exit 4' } }));
    const crashed = await runPackageTests({ name: '@embark/plain', ...options, command: 'pnpm run test' });
    expect(crashed).toMatchObject({ failed: 1, exitCode: 4, reported: false });
    expect(testRunFailure(crashed)!.specific).toBe('test failed in @embark/plain: pnpm run test');
  });

  it('fails a script that exits non-zero although its report shows no failure', async () => {
    const dir = await tsPackage(
      'packages/exits',
      '@embark/exits',
      failingTests.replace("'012'", "'12'"),
      true,
      `${nodeTest} dist/ && exit 3`,
    );
    const result = await runPackageTests({
      name: '@embark/exits',
      dir,
      script: 'test',
      junitPath: 'reports/junit.xml',
      lcovPath: 'coverage/lcov.info',
    });
    expect(result).toMatchObject({ passed: 2, failed: 1, exitCode: 3 });
    expect(result.failures[0].message).toMatch(/^exited with code 3, yet its JUnit report reports\/junit.xml shows no failed test/);
  });
});

describe('runBrowserTests', () => {
  it('runs Chromium through playwright-core and keeps the failure screenshot', async () => {
    const dir = join(repo, 'packages/frontend');
    await write(
      'packages/frontend/package.json',
      JSON.stringify({ name: '@embark/frontend', version: '1.0.0', scripts: { 'test:browser': `${nodeTest} browser/` } }),
    );
    await write(
      'packages/frontend/browser/home.test.cjs',
      `const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { mkdirSync } = require('node:fs');
const { chromium } = require('playwright-core');

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
after(() => browser.close());

async function page(t, check) {
  const page = await browser.newPage();
  await page.setContent('<h1>Embark 26.11.2</h1>');
  try {
    await check(page);
  } catch (error) {
    mkdirSync('reports/browser', { recursive: true });
    await page.screenshot({ path: 'reports/browser/' + t.name.replace(/\\W+/g, '-') + '.png' });
    throw error;
  } finally {
    await page.close();
  }
}

test('shows the app name', (t) => page(t, async (p) => assert.match(await p.textContent('h1'), /Embark/)));
test('shows the release version', (t) => page(t, async (p) => assert.strictEqual(await p.textContent('h1'), 'Embark 26.11.3')));
`,
    );
    await write('packages/frontend/reports/browser/old.png', 'stale');
    const nodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
    const result = await runBrowserTests({
      name: '@embark/frontend',
      dir,
      script: 'test:browser',
      junitPath: 'reports/junit.xml',
      artifactsDir: 'reports/browser',
      chromiumPath: '/usr/bin/chromium',
      env: { NODE_PATH: nodeModules },
      repoRoot: repo,
    });
    expect(result).toMatchObject({ passed: 1, failed: 1, exitCode: 1 });
    expect(result.failures).toEqual([
      {
        name: 'shows the release version',
        file: 'packages/frontend/browser/home.test.cjs',
        line: 27,
        message: "Expected values to be strictly equal:\n+ actual - expected\n\n+ 'Embark 26.11.2'\n- 'Embark 26.11.3'\n                ^",
      },
    ]);
    expect(result.artifacts).toEqual([join(dir, 'reports/browser/shows-the-release-version.png')]);
    const png = await readFile(result.artifacts[0]);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(testRunFailure(result, 'browser')!.specific).toBe(
      'browser test failed in @embark/frontend: shows the release version (packages/frontend/browser/home.test.cjs:27)',
    );
  });
});
