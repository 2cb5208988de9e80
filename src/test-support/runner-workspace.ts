import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Runner = 'vitest' | 'jest' | 'mocha' | 'node';

/** Each runner's package in the workspace: its name, directory and test file. */
export const runnerPackages: Record<Runner, { name: string; dir: string; testFile: string }> = {
  vitest: { name: '@rw/vitest-lib', dir: 'packages/vitest-lib', testFile: 'src/sum.test.ts' },
  jest: { name: '@rw/jest-lib', dir: 'packages/jest-lib', testFile: 'src/sum.test.js' },
  mocha: { name: '@rw/mocha-lib', dir: 'packages/mocha-lib', testFile: 'test/sum.test.js' },
  node: { name: '@rw/node-lib', dir: 'packages/node-lib', testFile: 'src/sum.test.js' },
};

/** The line of each test file whose assertion breakAssertion breaks ("adds negatives"). */
export const brokenLine = 8;

/**
 * A workspace as repositories have them, with no reporter or coverage setting anywhere: one package
 * per runner (vitest behind `tsc && … && echo done`, jest, mocha, node --test), each with two
 * passing tests and a function no test calls. Installed for real from the npm registry with npm,
 * pnpm or Yarn 1 (`managerBin` names the pnpm or yarn executable), and committed on main.
 */
export async function createRunnerWorkspace(
  dir: string,
  opts: { tool: 'npm' | 'pnpm' | 'yarn'; managerBin?: string; config?: Record<string, unknown> },
): Promise<void> {
  const files: Record<string, string> = {
    'package.json': json({ name: 'runner-fixture', private: true, ...(opts.tool === 'pnpm' ? {} : { workspaces: ['packages/*'] }) }),
    ...(opts.tool === 'pnpm' ? { 'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n" } : {}),
    '.gitignore': 'node_modules\n',
    'slipway.config.ts': configFile(opts.config ?? {}),
    'packages/vitest-lib/package.json': json({
      name: '@rw/vitest-lib',
      version: '1.0.0',
      type: 'module',
      scripts: { test: 'tsc -p tsconfig.json && vitest run && echo done' },
      devDependencies: { vitest: '^4.1.12', '@vitest/coverage-v8': '^4.1.12', typescript: '^6.0.3' },
    }),
    'packages/vitest-lib/tsconfig.json': json({
      compilerOptions: { noEmit: true, strict: true, target: 'es2022', module: 'nodenext', types: [] },
      files: ['src/sum.ts'],
    }),
    'packages/vitest-lib/src/sum.ts': sumSource('export function sum(a: number, b: number): number', 'export function unused(): string'),
    'packages/vitest-lib/src/sum.test.ts': testSource(
      ["import { describe, expect, test } from 'vitest';", "import { sum } from './sum.ts';"],
      'test',
      (actual, expected) => `expect(${actual}).toBe(${expected})`,
    ),
    'packages/jest-lib/package.json': json({
      name: '@rw/jest-lib',
      version: '1.0.0',
      scripts: { test: 'jest' },
      devDependencies: { jest: '^30.0.0' },
    }),
    'packages/jest-lib/src/sum.js': sumSource('exports.sum = function sum(a, b)', 'exports.unused = function unused()'),
    'packages/jest-lib/src/sum.test.js': testSource(
      ["const { sum } = require('./sum.js');", '// jest provides describe, test and expect.'],
      'test',
      (actual, expected) => `expect(${actual}).toBe(${expected})`,
    ),
    'packages/mocha-lib/package.json': json({
      name: '@rw/mocha-lib',
      version: '1.0.0',
      scripts: { test: 'mocha' },
      devDependencies: { mocha: '^11.0.0' },
    }),
    'packages/mocha-lib/lib/sum.js': sumSource('exports.sum = function sum(a, b)', 'exports.unused = function unused()'),
    'packages/mocha-lib/test/sum.test.js': testSource(
      ["const assert = require('node:assert');", "const { sum } = require('../lib/sum.js');"],
      'it',
      (actual, expected) => `assert.strictEqual(${actual}, ${expected})`,
    ),
    'packages/node-lib/package.json': json({ name: '@rw/node-lib', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } }),
    'packages/node-lib/src/sum.js': sumSource('export function sum(a, b)', 'export function unused()'),
    'packages/node-lib/src/sum.test.js': testSource(
      ["import { describe, test } from 'node:test';", "import assert from 'node:assert'; import { sum } from './sum.js';"],
      'test',
      (actual, expected) => `assert.strictEqual(${actual}, ${expected})`,
    ),
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const run = (command: string, ...args: string[]) => execFileSync(command, args, { cwd: dir, stdio: 'pipe' });
  if (opts.tool === 'npm') run('npm', 'install', '--no-audit', '--no-fund');
  else run(opts.managerBin ?? opts.tool, 'install');
  run('git', 'init', '-q', '-b', 'main');
  run('git', 'add', '-A');
  run('git', '-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'fixture');
}

/** Writes the workspace's Slipway configuration: `project` and these settings. */
export async function configureRunnerWorkspace(dir: string, config: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, 'slipway.config.ts'), configFile(config));
}

/** Makes the "adds negatives" assertion of a runner's package fail (at brokenLine); returns the undo. */
export async function breakAssertion(dir: string, runner: Runner): Promise<() => Promise<void>> {
  const path = join(dir, runnerPackages[runner].dir, runnerPackages[runner].testFile);
  const source = await readFile(path, 'utf8');
  const lines = source.split('\n');
  lines[brokenLine - 1] = lines[brokenLine - 1].replace('-3', '4');
  await writeFile(path, lines.join('\n'));
  return () => writeFile(path, source);
}

function configFile(config: Record<string, unknown>): string {
  return `import { defineConfig } from 'slipway';\nexport default defineConfig(${JSON.stringify({ project: 'runner-fixture', ...config })});\n`;
}

function sumSource(sum: string, unused: string): string {
  return `${sum} {\n  return a + b;\n}\n\n${unused} {\n  return 'never called';\n}\n`;
}

/** Two tests in a describe block after two lines of imports; the second's assertion sits on brokenLine. */
function testSource(imports: [string, string], test: string, assertion: (actual: string, expected: string) => string): string {
  return [
    ...imports,
    '',
    "describe('sum', () => {",
    `  ${test}('adds', () => ${assertion('sum(1, 2)', '3')});`,
    '',
    `  ${test}('adds negatives', () => {`,
    `    ${assertion('sum(-1, -2)', '-3')};`,
    '  });',
    '});',
    '',
  ].join('\n');
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
