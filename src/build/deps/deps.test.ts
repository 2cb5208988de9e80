import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LocalCache } from '../cache/local-cache.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { dependencyCacheKey, dependencyDeclarations } from './key.ts';
import { packageManagerFor, packageManagerVersion } from './package-manager.ts';
import { restoreOrInstall } from './restore-or-install.ts';

const base = {
  lockfileContent: '{"lockfileVersion":3}',
  nodeVersion: 'v20.20.2',
  platform: 'linux',
  arch: 'x64',
  packageManager: 'npm@11.19.1',
};

describe('dependencyCacheKey', () => {
  it('is stable for the same inputs and changes with each of them', () => {
    const key = dependencyCacheKey(base);
    expect(key).toMatch(/^deps-[0-9a-f]{64}$/);
    expect(dependencyCacheKey({ ...base })).toBe(key);
    for (const change of [
      { lockfileContent: '{"lockfileVersion":3} ' },
      { nodeVersion: 'v22.0.0' },
      { platform: 'darwin' },
      { arch: 'arm64' },
      { packageManager: 'npm@10.9.0' },
    ]) {
      expect(dependencyCacheKey({ ...base, ...change })).not.toBe(key);
    }
  });

  it('changes when a package.json dependency changes, not when its scripts or order do', () => {
    const app = { relDir: 'packages/app', manifest: { name: 'app', dependencies: { ms: '2.1.3' }, scripts: { build: 'tsc' } } };
    const lib = { relDir: 'packages/lib', manifest: { name: 'lib' } };
    const key = dependencyCacheKey({ ...base, dependencyDeclarations: dependencyDeclarations([app, lib]) });
    const rescripted = { ...app, manifest: { ...app.manifest, scripts: { build: 'tsc -b' } } };
    expect(dependencyCacheKey({ ...base, dependencyDeclarations: dependencyDeclarations([lib, rescripted]) })).toBe(key);
    const bumped = { ...app, manifest: { ...app.manifest, dependencies: { ms: '2.1.4' } } };
    expect(dependencyCacheKey({ ...base, dependencyDeclarations: dependencyDeclarations([bumped, lib]) })).not.toBe(key);
  });
});

describe('packageManagerFor', () => {
  it('picks the frozen-lockfile install of the lockfile owner', () => {
    expect(packageManagerFor('/r/package-lock.json', '{}').install.join(' ')).toBe('npm ci --no-audit --no-fund');
    expect(packageManagerFor('/r/yarn.lock', '# yarn lockfile v1\n').install.join(' ')).toBe(
      'yarn install --frozen-lockfile --non-interactive',
    );
    expect(packageManagerFor('/r/yarn.lock', '__metadata:\n  version: 8\n').install.join(' ')).toBe('yarn install --immutable');
    expect(packageManagerFor('/r/pnpm-lock.yaml', "lockfileVersion: '9.0'\n").install.join(' ')).toBe('pnpm install --frozen-lockfile');
  });

  it('tells Yarn berry (a __metadata block) from Yarn 1', () => {
    expect(packageManagerFor('/r/yarn.lock', '__metadata:\n  version: 8\n').berry).toBe(true);
    expect(packageManagerFor('/r/yarn.lock', '# yarn lockfile v1\n').berry).toBe(false);
    expect(packageManagerFor('/r/pnpm-lock.yaml', "lockfileVersion: '9.0'\n").berry).toBe(false);
  });
});

describe('packageManagerVersion', () => {
  it('reads the installed version without running the package manager, and agrees with it', async () => {
    expect(await packageManagerVersion('npm', {}, tmpdir())).toBe(execFileSync('npm', ['--version']).toString().trim());
  });

  it('takes the corepack pin when it names the same manager', async () => {
    expect(await packageManagerVersion('npm', { packageManager: 'npm@10.9.2+sha512.abc' }, tmpdir())).toBe('10.9.2');
    expect(await packageManagerVersion('npm', { packageManager: 'pnpm@9.0.0' }, tmpdir())).not.toBe('9.0.0');
  });
});

describe('restoreOrInstall', () => {
  it('refuses a workspace without a lockfile', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-deps-'));
    try {
      await writeFile(join(root, 'package.json'), '{"name":"x"}');
      const error = await restoreOrInstall({
        workspace: { root, tool: 'npm', packages: [] },
        cache: new LocalCache(join(root, '.cache')),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Failure);
      expect((error as Failure).specific).toBe('no lockfile: installs are not reproducible; commit package-lock.json');
      expect((error as Failure).hint).toBe('Run `npm install` at the repository root and commit package-lock.json.');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
