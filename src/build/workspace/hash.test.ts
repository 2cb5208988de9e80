import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverWorkspace } from './discover.ts';
import { explainMiss } from './explain.ts';
import { hashOfPrerequisite, hashPackages, readHashSources, type HashOptions } from './hash.ts';
import type { PackageHash, PrerequisiteInputs } from './types.ts';

/**
 * An npm workspace: @x/app -> @x/shared -> left-pad; @x/other -> is-odd -> is-number@6, and its
 * own nested is-number@7; typescript is a root devDependency.
 */
function lockfile(versions: { leftPad?: string; isNumber?: string; typescript?: string } = {}) {
  return {
    name: 'mono',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'mono', workspaces: ['packages/*'], devDependencies: { typescript: '^5.0.0' } },
      'node_modules/typescript': { version: versions.typescript ?? '5.4.0', integrity: `sha512-ts${versions.typescript ?? ''}` },
      'node_modules/@x/app': { resolved: 'packages/app', link: true },
      'node_modules/@x/shared': { resolved: 'packages/shared', link: true },
      'node_modules/@x/other': { resolved: 'packages/other', link: true },
      'node_modules/left-pad': { version: versions.leftPad ?? '1.3.0', integrity: `sha512-lp${versions.leftPad ?? ''}` },
      'node_modules/is-odd': { version: '3.0.1', dependencies: { 'is-number': '^6.0.0' } },
      'node_modules/is-number': { version: versions.isNumber ?? '6.0.0', integrity: `sha512-in${versions.isNumber ?? ''}` },
      'packages/app': { name: '@x/app', version: '1.0.0', dependencies: { '@x/shared': '1.0.0' } },
      'packages/shared': { name: '@x/shared', version: '1.0.0', dependencies: { 'left-pad': '^1.3.0' } },
      'packages/other': { name: '@x/other', version: '1.0.0', dependencies: { 'is-odd': '^3.0.0', 'is-number': '^7.0.0' } },
      'packages/other/node_modules/is-number': { version: '7.0.0' },
    },
  };
}

let root: string;

async function write(relPath: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, relPath)), { recursive: true });
  await writeFile(join(root, relPath), content);
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' }).toString();

async function createRepo(options: { git: boolean }): Promise<void> {
  await write('package.json', JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }));
  await write('package-lock.json', JSON.stringify(lockfile()));
  await write('.gitignore', 'node_modules\n');
  await write(
    'packages/shared/package.json',
    JSON.stringify({ name: '@x/shared', version: '1.0.0', dependencies: { 'left-pad': '^1.3.0' }, scripts: { build: 'tsc' } }),
  );
  await write('packages/shared/src/index.ts', 'export const shared = 1;\n');
  await write(
    'packages/app/package.json',
    JSON.stringify({ name: '@x/app', version: '1.0.0', dependencies: { '@x/shared': '1.0.0' }, scripts: { build: 'tsc' } }),
  );
  await write('packages/app/src/main.ts', 'import { shared } from "@x/shared";\n');
  await write(
    'packages/other/package.json',
    JSON.stringify({ name: '@x/other', version: '1.0.0', dependencies: { 'is-odd': '^3.0.0', 'is-number': '^7.0.0' } }),
  );
  await write('packages/other/index.js', 'module.exports = 1;\n');
  if (!options.git) return;
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
}

const options: HashOptions = {
  task: 'build',
  command: (pkg) => pkg.scripts.build ?? '',
  envKeys: ['API_URL'],
  env: { API_URL: 'http://a' },
};

async function hashes(opts: Partial<HashOptions> & { globalInputs?: string[] } = {}): Promise<Map<string, PackageHash>> {
  const workspace = await discoverWorkspace(root);
  const sources = await readHashSources(workspace, { outputs: ['dist', 'coverage', '*.tsbuildinfo'], globalInputs: opts.globalInputs });
  return hashPackages(workspace, sources, { ...options, ...opts });
}

function hashOf(map: Map<string, PackageHash>): Record<string, string> {
  return Object.fromEntries([...map].map(([name, entry]) => [name, entry.hash]));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-hash-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('hashPackages', () => {
  it('records file blob ids, dependency hashes, lockfile slice, command and hashed env values', async () => {
    await createRepo({ git: true });
    const result = await hashes();
    const app = result.get('@x/app')!;
    expect(Object.keys(app.inputs.files).sort()).toEqual(['package.json', 'src/main.ts']);
    expect(app.inputs.files['src/main.ts']).toBe(git('rev-parse', 'HEAD:packages/app/src/main.ts').trim());
    expect(app.inputs.deps).toEqual({ '@x/shared': result.get('@x/shared')!.hash });
    expect(app.inputs.command).toBe('tsc');
    expect(JSON.stringify(app.inputs)).not.toContain('http://a'); // env values may be secrets
    expect(app.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(await hashes())).toEqual(hashOf(result));
  });

  it('changes a package and its dependents when a source file changes, and says why', async () => {
    await createRepo({ git: true });
    const before = await hashes();
    await write('packages/shared/src/index.ts', 'export const shared = 2;\n');
    const after = await hashes();
    expect(after.get('@x/shared')!.hash).not.toBe(before.get('@x/shared')!.hash);
    expect(after.get('@x/app')!.hash).not.toBe(before.get('@x/app')!.hash);
    expect(after.get('@x/other')!.hash).toBe(before.get('@x/other')!.hash);
    expect(explainMiss(before.get('@x/shared')!.inputs, after.get('@x/shared')!.inputs)).toEqual(['src/index.ts changed']);
    expect(explainMiss(before.get('@x/app')!.inputs, after.get('@x/app')!.inputs)).toEqual(['dependency @x/shared changed']);
  });

  it('ignores declared outputs and node_modules, counts untracked sources, and matches after commit', async () => {
    await createRepo({ git: true });
    const before = await hashes();
    await write('packages/shared/dist/index.js', 'built');
    await write('packages/shared/tsconfig.tsbuildinfo', '{}');
    await write('packages/shared/coverage/lcov.info', 'TN:');
    await write('packages/shared/node_modules/x/index.js', 'dep');
    expect(hashOf(await hashes())).toEqual(hashOf(before));

    await write('packages/shared/src/extra.ts', 'export {};\n');
    const withUntracked = await hashes();
    expect(explainMiss(before.get('@x/shared')!.inputs, withUntracked.get('@x/shared')!.inputs)).toEqual(['src/extra.ts added']);
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'extra');
    expect(hashOf(await hashes())).toEqual(hashOf(withUntracked));

    await rm(join(root, 'packages/shared/src/extra.ts'));
    expect(hashOf(await hashes())).toEqual(hashOf(before)); // deleted but still in the index
  });

  it('gives the same hashes outside git, reading every file', async () => {
    await createRepo({ git: true });
    const inGit = await hashes();
    await rm(join(root, '.git'), { recursive: true });
    expect(hashOf(await hashes())).toEqual(hashOf(inGit));
  });

  it('keeps a hash when an unrelated dependency changes in the lockfile, changes it when a reachable one does', async () => {
    await createRepo({ git: true });
    const before = await hashes();

    await write('package-lock.json', JSON.stringify(lockfile({ leftPad: '1.3.1' })));
    const leftPad = await hashes();
    expect(leftPad.get('@x/other')!.hash).toBe(before.get('@x/other')!.hash);
    expect(leftPad.get('@x/shared')!.hash).not.toBe(before.get('@x/shared')!.hash);
    expect(leftPad.get('@x/app')!.hash).not.toBe(before.get('@x/app')!.hash); // through @x/shared
    expect(explainMiss(before.get('@x/shared')!.inputs, leftPad.get('@x/shared')!.inputs)).toEqual(['lockfile changed']);

    // is-odd resolves is-number from the root node_modules, not from packages/other/node_modules.
    await write('package-lock.json', JSON.stringify(lockfile({ leftPad: '1.3.1', isNumber: '6.0.1' })));
    const isNumber = await hashes();
    expect(isNumber.get('@x/other')!.hash).not.toBe(leftPad.get('@x/other')!.hash);
    expect(isNumber.get('@x/shared')!.hash).toBe(leftPad.get('@x/shared')!.hash);

    // Root devDependencies (the shared toolchain) reach every package.
    await write('package-lock.json', JSON.stringify(lockfile({ leftPad: '1.3.1', isNumber: '6.0.1', typescript: '5.5.0' })));
    const typescript = await hashes();
    for (const name of ['@x/app', '@x/shared', '@x/other']) expect(typescript.get(name)!.hash).not.toBe(isNumber.get(name)!.hash);
  });

  it('hashes a non-npm lockfile whole', async () => {
    await createRepo({ git: true });
    await rm(join(root, 'package-lock.json'));
    await write('yarn.lock', '# yarn lockfile v1\nleft-pad@^1.3.0:\n  version "1.3.0"\n');
    const before = await hashes();
    await write('yarn.lock', '# yarn lockfile v1\nleft-pad@^1.3.0:\n  version "1.3.1"\n');
    const after = await hashes();
    for (const name of ['@x/app', '@x/shared', '@x/other']) {
      expect(explainMiss(before.get(name)!.inputs, after.get(name)!.inputs)).toContain('lockfile changed');
    }
  });

  it('changes every hash when a declared env value or the task changes', async () => {
    await createRepo({ git: true });
    const before = await hashes();
    const after = await hashes({ env: { API_URL: 'http://b' } });
    expect(explainMiss(before.get('@x/other')!.inputs, after.get('@x/other')!.inputs)).toEqual(['env API_URL changed']);
    expect(after.get('@x/other')!.hash).not.toBe(before.get('@x/other')!.hash);
    const unset = await hashes({ env: {} });
    expect(unset.get('@x/other')!.inputs.env).toEqual({ API_URL: 'unset' });
    const testTask = await hashes({ task: 'test' });
    expect(testTask.get('@x/other')!.hash).not.toBe(before.get('@x/other')!.hash);
  });

  it('changes every hash when a global input at the workspace root changes, not for other root files', async () => {
    await createRepo({ git: true });
    await write('tsconfig.base.json', '{"compilerOptions":{"strict":true}}');
    await write('README.md', '# mono');
    const globalInputs = ['tsconfig*.json'];
    const before = await hashes({ globalInputs });
    expect(before.get('@x/other')!.inputs.global).toEqual({ 'tsconfig.base.json': expect.stringMatching(/^[0-9a-f]{40}$/) });
    await write('README.md', '# mono, documented');
    expect(hashOf(await hashes({ globalInputs }))).toEqual(hashOf(before));
    await write('tsconfig.base.json', '{"compilerOptions":{"strict":false}}');
    const after = await hashes({ globalInputs });
    for (const name of ['@x/app', '@x/shared', '@x/other']) expect(after.get(name)!.hash).not.toBe(before.get(name)!.hash);
    expect(explainMiss(before.get('@x/other')!.inputs, after.get('@x/other')!.inputs)).toEqual(['global input tsconfig.base.json changed']);
  });
});

describe('hashOfPrerequisite', () => {
  const inputs: PrerequisiteInputs = {
    build: 'b1',
    command: 'tsc -p tsconfig.build.json',
    outputs: ['types/**'],
    after: { '@solidjs/signals#types': 's1', 'solid-js#link': 'l1' },
  };
  const key = hashOfPrerequisite('solid-js#types', inputs);

  it('is the same for the same inputs, whatever the order of the prerequisites before it', () => {
    const reordered = { ...inputs, after: { 'solid-js#link': 'l1', '@solidjs/signals#types': 's1' } };
    expect(hashOfPrerequisite('solid-js#types', structuredClone(reordered))).toBe(key);
  });

  it("changes with its package's build hash, its script, its outputs, each prerequisite before it, and its name", () => {
    const changed = [
      hashOfPrerequisite('solid-js#types', { ...inputs, build: 'b2' }),
      hashOfPrerequisite('solid-js#types', { ...inputs, command: 'tsc -b' }),
      hashOfPrerequisite('solid-js#types', { ...inputs, outputs: ['types/**', 'dist/**'] }),
      hashOfPrerequisite('solid-js#types', { ...inputs, after: { ...inputs.after, 'solid-js#link': 'l2' } }),
      hashOfPrerequisite('solid-js#types', { ...inputs, after: { '@solidjs/signals#types': 's1' } }),
      hashOfPrerequisite('solid-js#declarations', inputs),
    ];
    expect(new Set([key, ...changed]).size).toBe(changed.length + 1);
  });
});
