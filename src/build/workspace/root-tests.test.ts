import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverWorkspace } from './discover.ts';
import { readRootFiles } from './hash.ts';
import { delegatesToPackages, hashOfRootTestInputs, readRootTests, rootTestKey } from './root-tests.ts';

let root: string;

async function write(relPath: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, relPath)), { recursive: true });
  await writeFile(join(root, relPath), content);
}

/** An npm workspace of two packages whose tests run from the root (jest with projects). */
async function createRepo(rootManifest: Record<string, unknown> = { name: 'mono', scripts: { test: 'jest' } }): Promise<void> {
  await write('package.json', JSON.stringify({ private: true, workspaces: ['packages/*'], ...rootManifest }));
  await write('.gitignore', 'node_modules\n');
  await write('jest.config.js', 'module.exports = { projects: ["<rootDir>/packages/*"] };\n');
  await write('packages/a/package.json', JSON.stringify({ name: '@x/a', version: '1.0.0' }));
  await write('packages/a/src/a.test.js', 'test("a", () => {});\n');
  await write('packages/b/package.json', JSON.stringify({ name: '@x/b', version: '1.0.0' }));
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['add', '-A'], { cwd: root });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-root-tests-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readRootFiles', () => {
  it('lists the workspace-level files no package owns, but outputs, and reads the untracked ones', async () => {
    await createRepo();
    await write('reports/junit.xml', '<testsuites/>');
    await write('babel.config.js', 'module.exports = {};\n'); // untracked: read from disk
    const files = await readRootFiles(await discoverWorkspace(root), ['reports']);
    expect(Object.keys(files).sort()).toEqual(['.gitignore', 'babel.config.js', 'jest.config.js', 'package.json']);
    expect(files['babel.config.js']).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('rootTestKey', () => {
  const packages = { '@x/a': 'a1', '@x/b': 'b1' };

  it('changes with a root config file, any package test key or the script, and not with an output', async () => {
    await createRepo();
    const ws = await discoverWorkspace(root);
    const key = (over: { packages?: Record<string, string>; command?: string } = {}) =>
      rootTestKey(ws, { packages: over.packages ?? packages, command: over.command ?? 'jest', outputs: ['coverage'] });
    const first = await key();
    expect(await key()).toBe(first);
    await write('coverage/lcov.info', 'TN:\n');
    expect(await key()).toBe(first);
    expect(await key({ packages: { ...packages, '@x/b': 'b2' } })).not.toBe(first);
    expect(await key({ command: 'jest --ci' })).not.toBe(first);
    await write('jest.config.js', 'module.exports = { projects: ["<rootDir>/packages/a"] };\n');
    expect(await key()).not.toBe(first);
  });

  it('hashes the same inputs the same whatever order they were collected in', () => {
    const inputs = { packages, files: { 'jest.config.js': 'j', 'package.json': 'p' }, command: 'jest' };
    const reordered = { packages: { '@x/b': 'b1', '@x/a': 'a1' }, files: { 'package.json': 'p', 'jest.config.js': 'j' }, command: 'jest' };
    expect(hashOfRootTestInputs(reordered)).toBe(hashOfRootTestInputs(inputs));
  });
});

describe('readRootTests', () => {
  it("names the run after the root package.json's name, or (root) without one", async () => {
    await createRepo();
    const ws = await discoverWorkspace(root);
    expect(await readRootTests(ws, 'test')).toEqual({ name: 'mono', command: 'jest' });
    expect(await readRootTests(ws, 'test:unit')).toBeUndefined();
    await write('package.json', JSON.stringify({ private: true, workspaces: ['packages/*'], scripts: { test: 'vitest run' } }));
    expect(await readRootTests(ws, 'test')).toEqual({ name: '(root)', command: 'vitest run' });
    expect(await readRootTests(ws, 'constructor')).toBeUndefined();
  });

  it('finds none in a single-package repository, whose root is its package (its test task already decided)', async () => {
    await write('package.json', JSON.stringify({ name: 'solo', version: '1.0.0', scripts: { test: 'node --test' } }));
    const ws = await discoverWorkspace(root);
    expect(ws.packages.map((pkg) => pkg.relDir)).toEqual(['.']);
    expect(await readRootTests(ws, 'test')).toBeUndefined();
  });
});

describe('delegatesToPackages', () => {
  it("tells a root script that runs the packages' own scripts from one that runs a test runner", () => {
    for (const command of [
      'turbo run test',
      'lerna run test --stream',
      'nx run-many -t test',
      'npm test --workspaces',
      'npm run test -ws',
      'pnpm -r test',
      'pnpm --recursive run test',
      'yarn workspaces foreach run test',
    ])
      expect(delegatesToPackages(command), command).toBe(true);
    for (const command of [
      'jest',
      'jest --coverage',
      'vitest run',
      'vitest --project unit',
      'node --test packages/',
      'mocha -r ts-node/register "packages/*/test/**"',
    ])
      expect(delegatesToPackages(command), command).toBe(false);
  });
});
