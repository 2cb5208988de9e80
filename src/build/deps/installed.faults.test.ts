import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installedState } from './installed.ts';
import { packageManagerFor } from './package-manager.ts';

/**
 * A package manager's record of its last install, broken (cut short by a killed install, edited by
 * hand, written by another version): never an error, never "already installed", always an install
 * with the reason in the log.
 */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-installed-faults-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

async function judge(lockfile: string, lockfileContent: string, manifest: Record<string, unknown> = { name: 'root' }) {
  return installedState({
    root,
    pm: packageManagerFor(join(root, lockfile), lockfileContent),
    pmVersion: '9.15.9',
    lockfileContent,
    manifests: [{ relDir: '.', manifest }],
  });
}

const npmLock = JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'root' } } });
const pnpmLock = "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n";
const modulesYaml = [
  'layoutVersion: 5',
  'packageManager: pnpm@9.15.9',
  'included:',
  '  dependencies: true',
  '  devDependencies: true',
  '  optionalDependencies: true',
  'nodeLinker: isolated',
  'pendingBuilds: []',
].join('\n');
const yarnLock = '# yarn lockfile v1\n\n\nms@2.1.3:\n  version "2.1.3"\n  resolved "https://r/ms.tgz"\n';

describe('a broken record of the last install', () => {
  it('npm: a hidden lockfile cut short is not a lockfile npm can read', async () => {
    await write({ 'node_modules/.package-lock.json': npmLock.slice(0, 20) });
    expect(await judge('package-lock.json', npmLock)).toEqual({
      matches: false,
      reason: 'node_modules/.package-lock.json is not a lockfile npm can read',
    });
  });

  it('npm: a hidden lockfile that is a directory is no record', async () => {
    await mkdir(join(root, 'node_modules/.package-lock.json'), { recursive: true });
    expect(await judge('package-lock.json', npmLock)).toEqual({
      matches: false,
      reason: 'no node_modules/.package-lock.json (npm writes it at the end of every install)',
    });
  });

  it('pnpm: a .modules.yaml of the wrong shape is doubt, not an error', async () => {
    await write({ 'node_modules/.modules.yaml': `${modulesYaml}\nskipped: 7\n`, 'node_modules/.pnpm/lock.yaml': pnpmLock });
    const state = await judge('pnpm-lock.yaml', pnpmLock);
    expect(state.matches).toBe(false);
    expect((state as { reason: string }).reason).toMatch(/^node_modules could not be read: .*filter is not a function$/);
  });

  it('pnpm: a .modules.yaml that is not YAML is no record', async () => {
    await write({ 'node_modules/.modules.yaml': 'layoutVersion: [5\n', 'node_modules/.pnpm/lock.yaml': pnpmLock });
    expect(await judge('pnpm-lock.yaml', pnpmLock)).toEqual({
      matches: false,
      reason: 'no node_modules/.modules.yaml (pnpm writes it at the end of every install)',
    });
  });

  it('pnpm: a virtual-store lockfile cut short is another lockfile', async () => {
    await write({ 'node_modules/.modules.yaml': modulesYaml, 'node_modules/.pnpm/lock.yaml': pnpmLock.slice(0, 25) });
    expect(await judge('pnpm-lock.yaml', pnpmLock)).toEqual({ matches: false, reason: 'the last install was of another pnpm-lock.yaml' });
  });

  it('Yarn 1: a .yarn-integrity cut short is not JSON', async () => {
    await write({ 'node_modules/.yarn-integrity': '{"systemParams": "linux-x64' });
    expect(await judge('yarn.lock', yarnLock)).toEqual({ matches: false, reason: 'node_modules/.yarn-integrity is not JSON' });
  });

  it('Yarn 4: a .yarn-state.yml entry without locations is doubt, not an error', async () => {
    const berryLock = '__metadata:\n  version: 8\n\n"ms@npm:2.1.3":\n  resolution: "ms@npm:2.1.3"\n';
    await write({
      '.yarnrc.yml': 'nodeLinker: node-modules\n',
      'node_modules/.yarn-state.yml': '__metadata:\n  version: 1\n  nmMode: classic\n\n"ms@npm:2.1.3":\n',
    });
    const state = await judge('yarn.lock', berryLock);
    expect(state.matches).toBe(false);
    expect((state as { reason: string }).reason).toMatch(/^node_modules could not be read: Cannot read properties of null/);
  });
});
