import { describe, expect, it } from 'vitest';
import { npmTreeMismatch, npmUndeclared } from './installed-npm.ts';
import { importersOf, modulesStateProblem, pnpmUndeclared } from './installed-pnpm.ts';
import { excludedOn, type Platform } from './installed-state.ts';
import { berryMismatch, berryUndeclared, topLevelPatterns, yarnClassicEntries, yarnIntegrityProblem } from './installed-yarn.ts';

const linux: Platform = { os: 'linux', cpu: 'x64', libc: 'glibc' };

describe('excludedOn', () => {
  it("reads npm's os, cpu and libc limits, negations included, and excludes only what is certain", () => {
    expect(excludedOn(linux, { os: ['darwin'] })).toBe(true);
    expect(excludedOn(linux, { os: ['!linux'] })).toBe(true);
    expect(excludedOn(linux, { os: ['!win32'], cpu: ['x64', 'arm64'] })).toBe(false);
    expect(excludedOn(linux, { os: ['linux'], cpu: ['x64'], libc: ['musl'] })).toBe(true);
    expect(excludedOn({ os: 'darwin', cpu: 'arm64' }, { libc: ['musl'] })).toBe(false);
    expect(excludedOn(linux, {})).toBe(false);
  });
});

describe('npmTreeMismatch', () => {
  const ms = { version: '2.1.3', integrity: 'sha512-ms' };
  const wanted = {
    '': { name: 'root' },
    'node_modules/ms': ms,
    'node_modules/app': { resolved: 'packages/app', link: true },
    'packages/app': { version: '1.0.0' },
    // esbuild's binaries for other platforms, and what only such a binary needs
    'node_modules/@esbuild/darwin-arm64': {
      version: '0.25.0',
      optional: true,
      os: ['darwin'],
      cpu: ['arm64'],
      dependencies: { helper: '1.0.0' },
    },
    'node_modules/@esbuild/darwin-arm64/node_modules/helper': { version: '1.0.0', optional: true },
    'node_modules/wasm-helper': { version: '1.0.0', optional: true },
    'node_modules/@esbuild/wasm': { version: '0.25.0', optional: true, cpu: ['wasm32'], dependencies: { 'wasm-helper': '1.0.0' } },
  };
  const installed = {
    'node_modules/ms': ms,
    'node_modules/app': { resolved: 'packages/app', link: true },
    'packages/app': { version: '1.0.0' },
  };

  it('finds none when node_modules holds every package this platform installs', () => {
    expect(npmTreeMismatch(wanted, installed, linux)).toBeUndefined();
  });

  it('names the first package that differs, is missing or is extra', () => {
    expect(npmTreeMismatch(wanted, { ...installed, 'node_modules/ms': { ...ms, version: '2.1.2' } }, linux)).toBe(
      'node_modules/ms: version 2.1.2 installed, package-lock.json says 2.1.3',
    );
    expect(npmTreeMismatch(wanted, { ...installed, 'node_modules/ms': { ...ms, integrity: 'sha512-other' } }, linux)).toBe(
      'node_modules/ms: its integrity differs from package-lock.json',
    );
    expect(npmTreeMismatch(wanted, { ...installed, 'node_modules/app': { version: '1.0.0' } }, linux)).toBe(
      'node_modules/app: installed as version 1.0.0, package-lock.json says a link to packages/app',
    );
    const { 'node_modules/ms': _ms, ...withoutMs } = installed;
    expect(npmTreeMismatch(wanted, withoutMs, linux)).toBe('node_modules/ms is in package-lock.json but not installed');
    expect(npmTreeMismatch(wanted, { ...installed, 'node_modules/left-pad': { version: '1.3.0' } }, linux)).toBe(
      'node_modules/left-pad is installed but not in package-lock.json',
    );
  });

  it('counts an optional package missing as a difference when an installed package needs it', () => {
    const needed = { ...wanted, 'node_modules/ms': { ...ms, optionalDependencies: { 'wasm-helper': '1.0.0' } } };
    expect(npmTreeMismatch(needed, installed, linux)).toBe('node_modules/wasm-helper is in package-lock.json but not installed');
  });

  it("compares each package.json's declared dependencies with what package-lock.json recorded for it", () => {
    const lock = { '': { dependencies: { ms: '2.1.3' } }, 'packages/app': { devDependencies: { vitest: '^4.0.0' } } };
    const manifests = [
      { relDir: '.', manifest: { name: 'root', dependencies: { ms: '2.1.3' } } },
      { relDir: 'packages/app', manifest: { name: 'app', devDependencies: { vitest: '^4.0.0' } } },
    ];
    expect(npmUndeclared(lock, manifests)).toBeUndefined();
    expect(npmUndeclared(lock, [manifests[0], { relDir: 'packages/app', manifest: { devDependencies: { vitest: '^4.1.0' } } }])).toBe(
      'the devDependencies of packages/app/package.json differ from package-lock.json',
    );
    expect(npmUndeclared(lock, [...manifests, { relDir: 'packages/docs', manifest: {} }])).toBe(
      'package-lock.json has no entry for packages/docs',
    );
  });
});

describe('pnpm records', () => {
  const modules = {
    layoutVersion: 5,
    packageManager: 'pnpm@9.15.9',
    included: { dependencies: true, devDependencies: true, optionalDependencies: true },
    nodeLinker: 'isolated',
    pendingBuilds: [],
  };

  it('accepts the .modules.yaml of a full install by the same pnpm major, and says what else it finds', () => {
    expect(modulesStateProblem(modules, '9.0.0', 'isolated')).toBeUndefined();
    expect(modulesStateProblem(modules, '10.2.0', 'isolated')).toBe('installed by pnpm@9.15.9, not pnpm 10.2.0');
    expect(modulesStateProblem({ ...modules, included: { ...modules.included, devDependencies: false } }, '9.0.0', 'isolated')).toBe(
      'installed without devDependencies',
    );
    expect(modulesStateProblem({ ...modules, pendingBuilds: ['/esbuild@0.25.0'] }, '9.0.0', 'isolated')).toBe('builds are pending');
    expect(modulesStateProblem(modules, '9.0.0', 'hoisted')).toBe('node linker isolated, configured hoisted');
  });

  it("compares each package.json's dependencies with the specifiers pnpm-lock.yaml recorded for its importer", () => {
    const lockfile = { '.': { devDependencies: { 'left-pad': { specifier: '1.3.0', version: '1.3.0' } } } };
    expect(pnpmUndeclared(lockfile, [{ relDir: '.', manifest: { devDependencies: { 'left-pad': '1.3.0' } } }])).toBeUndefined();
    expect(pnpmUndeclared(lockfile, [{ relDir: '.', manifest: { devDependencies: { 'left-pad': '^1.3.0' } } }])).toBe(
      'the devDependencies of package.json differ from pnpm-lock.yaml',
    );
    // autoInstallPeers (pnpm's default) records a peer the package does not depend on among its dependencies.
    const withPeer = { 'packages/preset': { dependencies: { '@babel/core': { specifier: '^7.0.0', version: '7.28.6' } } } };
    const preset = { relDir: 'packages/preset', manifest: { peerDependencies: { '@babel/core': '^7.0.0' } } };
    expect(pnpmUndeclared(withPeer, [preset])).toBeUndefined();
    expect(pnpmUndeclared(withPeer, [{ ...preset, manifest: { peerDependencies: { '@babel/core': '^7.1.0' } } }])).toBe(
      'the dependencies of packages/preset/package.json differ from pnpm-lock.yaml',
    );
  });
});

describe('importersOf', () => {
  it("reads the importers block of a pnpm lockfile, and a single-package lockfile's top-level dependencies", () => {
    const v9 = [
      "lockfileVersion: '9.0'",
      '',
      'importers:',
      '',
      '  .:',
      '    devDependencies:',
      '      left-pad:',
      '        specifier: 1.3.0',
      '        version: 1.3.0',
      '',
      'packages:',
      '',
      '  left-pad@1.3.0:',
      '    resolution: {integrity: sha512-x}',
      '',
    ].join('\n');
    expect(importersOf(v9)).toEqual({ '.': { devDependencies: { 'left-pad': { specifier: '1.3.0', version: '1.3.0' } } } });
    const v6 = ["lockfileVersion: '6.0'", '', 'dependencies:', '  ms:', '    specifier: 2.1.3', '    version: 2.1.3', ''].join('\n');
    expect(importersOf(v6)).toEqual({ '.': { dependencies: { ms: { specifier: '2.1.3', version: '2.1.3' } } } });
  });
});

describe('Yarn 1 records', () => {
  const lockfile = [
    '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
    '# yarn lockfile v1',
    '',
    '',
    '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.0":',
    '  version "7.24.2"',
    '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.24.2.tgz#abc"',
    '  integrity sha512-x',
    '',
    'ms@2.1.3:',
    '  version "2.1.3"',
    '  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz#def"',
    '',
  ].join('\n');

  it('reads each pattern of each entry with its version and resolved URL', () => {
    const frame = { version: '7.24.2', resolved: 'https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.24.2.tgz#abc' };
    expect(yarnClassicEntries(lockfile)).toEqual({
      '@babel/code-frame@^7.0.0': frame,
      '@babel/code-frame@^7.22.0': frame,
      'ms@2.1.3': { version: '2.1.3', resolved: 'https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz#def' },
    });
    expect(yarnClassicEntries('__metadata:\n  version: 8\n')).toBeUndefined();
  });

  it('names the top-level patterns Yarn records: declared dependencies and each workspace package itself', () => {
    const patterns = topLevelPatterns([
      { relDir: '.', manifest: { name: 'root', devDependencies: { 'left-pad': '1.3.0' } } },
      { relDir: 'packages/app', manifest: { name: 'app', version: '1.0.0', dependencies: { ms: '2.1.3' } } },
    ]);
    expect([...patterns].sort()).toEqual(['app@1.0.0', 'left-pad@1.3.0', 'ms@2.1.3']);
  });

  it('says why an integrity record does not match', () => {
    const expected = {
      systemParams: 'linux-x64-115',
      lockfileEntries: { 'ms@2.1.3': 'https://r/ms.tgz' },
      topLevelPatterns: new Set(['ms@2.1.3']),
    };
    const record = {
      systemParams: 'linux-x64-115',
      flags: [],
      linkedModules: [],
      topLevelPatterns: ['ms@2.1.3'],
      lockfileEntries: { 'ms@2.1.3': 'https://r/ms.tgz' },
    };
    expect(yarnIntegrityProblem(record, expected)).toBeUndefined();
    expect(yarnIntegrityProblem({ ...record, systemParams: 'linux-x64-127' }, expected)).toBe(
      'installed for linux-x64-127, this machine is linux-x64-115',
    );
    expect(yarnIntegrityProblem({ ...record, flags: ['production'] }, expected)).toBe('installed with flags ["production"]');
    expect(yarnIntegrityProblem({ ...record, lockfileEntries: {} }, expected)).toBe('the last install was of another yarn.lock');
    expect(yarnIntegrityProblem({ ...record, topLevelPatterns: ['ms@^2.0.0'] }, expected)).toBe(
      'the dependencies in package.json changed since the last install',
    );
  });
});

describe('Yarn 4 records', () => {
  const lockfile = {
    __metadata: { version: 8 },
    'root@workspace:.': { resolution: 'root@workspace:.' },
    'ms@npm:2.1.3': { resolution: 'ms@npm:2.1.3' },
    '@esbuild/darwin-arm64@npm:0.25.0': { resolution: '@esbuild/darwin-arm64@npm:0.25.0', conditions: 'os=darwin & cpu=arm64' },
    '@esbuild/linux-x64@npm:0.25.0': { resolution: '@esbuild/linux-x64@npm:0.25.0', conditions: 'os=linux & cpu=x64' },
  };

  it('finds the locators of yarn.lock in the state, but for those limited to other platforms', () => {
    const installed = ['root@workspace:.', 'ms@npm:2.1.3', '@esbuild/linux-x64@npm:0.25.0'];
    expect(berryMismatch(lockfile, installed, linux)).toBeUndefined();
    expect(berryMismatch(lockfile, installed.slice(0, 2), linux)).toBe('@esbuild/linux-x64@npm:0.25.0 is in yarn.lock but not installed');
    expect(berryMismatch(lockfile, [...installed, 'ms@npm:2.1.2'], linux)).toBe('ms@npm:2.1.2 is installed but not in yarn.lock');
  });

  it('finds each declared dependency among the descriptors of yarn.lock', () => {
    expect(berryUndeclared(lockfile, [{ relDir: '.', manifest: { dependencies: { ms: '2.1.3' } } }])).toBeUndefined();
    expect(berryUndeclared(lockfile, [{ relDir: 'packages/app', manifest: { dependencies: { ms: '^2.1.3' } } }])).toBe(
      'packages/app/package.json declares ms@^2.1.3, which yarn.lock does not have',
    );
  });
});
