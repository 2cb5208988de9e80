import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const slipway = (...args: string[]) => exec(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });

/** A package with a build and no test script: its tests run from the root. */
const manifest = (name: string, dependencies: Record<string, string>) =>
  `${JSON.stringify({ name, version: '1.0.0', type: 'module', exports: './dist/index.js', dependencies, scripts: { build: 'node ../../build.mjs' } }, null, 2)}\n`;

/** The fixture's two packages, their tests run by one root `node --test` (as a root jest with `projects` would). */
const files = {
  'package.json': `${JSON.stringify({ name: 'ci-fixture', private: true, workspaces: ['packages/*'], scripts: { test: 'node --test packages/' } }, null, 2)}\n`,
  // The build leaves test files out of dist/, so the root's runner finds each test once.
  'build.mjs':
    "import { cpSync } from 'node:fs';\ncpSync('src', 'dist', { recursive: true, filter: (path) => !/\\.test\\./.test(path) });\nconsole.log('built ' + process.cwd());\n",
  // A root-level config file no package owns, as a jest.config.js or vitest.workspace.ts is.
  'test-setup.json': '{ "timeout": 1000 }\n',
  'packages/core/package.json': manifest('@ci/core', {}),
  'packages/app/package.json': manifest('@ci/app', { '@ci/core': '*' }),
};

/** Builds dist/ from src/ with a source map per file (a line maps to the same line), as a compiler would. */
const mappedBuild = `import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
mkdirSync('dist', { recursive: true });
for (const file of readdirSync('src').filter((name) => !name.includes('.test.'))) {
  const lines = readFileSync('src/' + file, 'utf8').trimEnd().split('\\n');
  writeFileSync('dist/' + file, lines.join('\\n') + '\\n//# sourceMappingURL=' + file + '.map\\n');
  const mappings = lines.map((_, i) => (i === 0 ? 'AAAA' : 'AACA')).join(';');
  writeFileSync('dist/' + file + '.map', JSON.stringify({ version: 3, file, sources: ['../src/' + file], mappings }));
}
`;

/** An lcov report as a root runner without source maps writes it: on a package's build output, named from the root. */
const writeLcov = `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('coverage', { recursive: true });
writeFileSync('coverage/lcov.info', 'TN:\\nSF:packages/core/dist/index.js\\nDA:1,1\\nDA:2,0\\nLF:2\\nLH:1\\nend_of_record\\n');
`;

describe('tests run only from the root package.json', () => {
  let work: string;
  let repo: string;
  let home: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-root-tests-'));
    repo = join(work, 'repo');
    home = join(work, 'home');
    await createCiWorkspace(repo, { coverage: { lines: 10 } }, files);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("runs the root's test script once, counts its tests, measures its coverage and replays it while nothing it reads changed", async () => {
    const first = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/unit +2 tests passed from the root's "test" script \(/);
    expect(first.output).toContain('no workspace package has a "test" script: the root\'s runs as ci-fixture');
    expect(first.output).toMatch(/coverage +lines [\d.]+ %/);
    expect(first.output).not.toContain('no test ran');

    // The whole-run memo gone (another runner's home would not have it), the unit stage replays its own cache.
    await rm(join(home, 'cache', 'checks-memo.json'));
    const second = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/unit +2 tests passed from the root's "test" script, results replayed from cache \(/);
    expect(second.output).toContain('ci-fixture: results replayed from cache');

    // A root-level file no package owns is an input of the root run: edited, the tests run again.
    await writeFile(join(repo, 'test-setup.json'), '{ "timeout": 2000 }\n');
    const edited = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(edited.code, edited.output).toBe(0);
    expect(edited.output).toMatch(/unit +2 tests passed from the root's "test" script \(/);
    expect(edited.output).not.toContain('results replayed from cache');
  });

  it("fails on a broken assertion in a package's test, naming the test and its file:line from the repository root", async () => {
    const testFile = join(repo, 'packages/app/src/index.test.js');
    const original = await readFile(testFile, 'utf8');
    await writeFile(testFile, original.replace('quadruple(2), 8', 'quadruple(2), 9'));
    try {
      const failing = await slipway('ci', '--repo', repo, '--home', home);
      expect(failing.code).toBe(1);
      expect(failing.output).toMatch(/Unit tests failed: test failed in ci-fixture: quadruples \(packages\/app\/src\/index\.test\.js:4\)/);
    } finally {
      await writeFile(testFile, original);
    }
  });

  it("reads the root's own lcov report from the root, moved onto the sources through every package's source maps", async () => {
    const mapped = join(work, 'mapped');
    await createCiWorkspace(
      mapped,
      { coverage: { lines: 90 } },
      {
        ...files,
        'package.json': `${JSON.stringify({ name: 'ci-fixture', private: true, workspaces: ['packages/*'], scripts: { test: 'node --test packages/ && node write-lcov.mjs' } }, null, 2)}\n`,
        'build.mjs': mappedBuild,
        'write-lcov.mjs': writeLcov,
        'packages/core/src/index.js': 'export const double = (n) => n * 2;\nexport const halve = (n) => n / 2;\n',
      },
    );
    const run = await slipway('ci', '--repo', mapped, '--home', join(work, 'mapped-home'));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/Insufficient test coverage: .*lines coverage 50(\.0)?% is below 90%/);
    expect(run.output).toContain('packages/core/src/index.js');
    expect(run.output).not.toContain('packages/core/dist/index.js');
  });
});
