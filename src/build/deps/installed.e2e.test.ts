import { execFileSync } from 'node:child_process';
import { cp, lstat, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageManagerBinDir, withPath, type TestPackageManager } from '../../test-support/package-managers.ts';
import { LocalCache } from '../cache/local-cache.ts';
import { discoverWorkspace } from '../workspace/discover.ts';
import { installedState } from './installed.ts';
import { packageManagerFor, packageManagerVersion } from './package-manager.ts';
import { restoreOrInstall } from './restore-or-install.ts';

/**
 * Each package manager installs a small workspace itself, as a developer or a CI step would
 * before Slipway runs: two packages, one depending on the other, and two versions of is-number,
 * so one of them lands in a workspace package's own node_modules.
 */
interface Manager {
  title: string;
  binary?: TestPackageManager;
  lockfile: string;
  /** The developer's own install, which writes the lockfile. */
  install: string[];
  workspaceRange: string;
  evidence: string;
  extraFiles: Record<string, string>;
}

const managers: Manager[] = [
  {
    title: 'npm',
    lockfile: 'package-lock.json',
    install: ['npm', 'install', '--no-audit', '--no-fund'],
    workspaceRange: '1.0.0',
    evidence: 'npm, matches package-lock.json',
    extraFiles: {},
  },
  {
    title: 'pnpm 9',
    binary: 'pnpm',
    lockfile: 'pnpm-lock.yaml',
    install: ['pnpm', 'install', '--no-frozen-lockfile'],
    workspaceRange: 'workspace:*',
    evidence: 'pnpm, matches pnpm-lock.yaml',
    extraFiles: { 'pnpm-workspace.yaml': 'packages:\n  - packages/*\n' },
  },
  {
    title: 'Yarn 1',
    binary: 'yarn-classic',
    lockfile: 'yarn.lock',
    install: ['yarn', 'install', '--non-interactive'],
    workspaceRange: '1.0.0',
    evidence: 'yarn, matches yarn.lock',
    extraFiles: {},
  },
  {
    title: 'Yarn 4 (node-modules linker)',
    binary: 'yarn-berry',
    lockfile: 'yarn.lock',
    install: ['yarn', 'install'],
    workspaceRange: 'workspace:*',
    evidence: 'yarn, matches yarn.lock',
    extraFiles: { '.yarnrc.yml': 'nodeLinker: node-modules\nenableTelemetry: false\n', 'yarn.lock': '' },
  },
];

async function writeWorkspace(root: string, manager: Manager, msVersion: string): Promise<void> {
  const files: Record<string, unknown> = {
    'package.json': { name: 'embark', private: true, workspaces: ['packages/*'], devDependencies: { 'left-pad': '1.3.0' } },
    'packages/core/package.json': { name: '@embark/core', version: '1.0.0', dependencies: { ms: msVersion, 'is-number': '7.0.0' } },
    'packages/app/package.json': {
      name: '@embark/app',
      version: '1.0.0',
      dependencies: { '@embark/core': manager.workspaceRange, 'is-number': '6.0.0' },
    },
  };
  for (const [path, content] of Object.entries({ ...files, ...manager.extraFiles })) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

/** What node resolves from a package's directory, as the developer's code would. */
const versionFrom = (dir: string, name: string) =>
  execFileSync('node', ['-e', `console.log(require(${JSON.stringify(`${name}/package.json`)}).version)`], { cwd: dir })
    .toString()
    .trim();

async function stateOf(root: string) {
  const ws = await discoverWorkspace(root);
  const lockfileContent = await readFile(ws.lockfile!, 'utf8');
  const pm = packageManagerFor(ws.lockfile!, lockfileContent);
  const rootManifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  return installedState({
    root,
    pm,
    pmVersion: await packageManagerVersion(pm.name, rootManifest, root),
    lockfileContent,
    manifests: [{ relDir: '.', manifest: rootManifest }, ...ws.packages.filter((pkg) => pkg.relDir !== '.')],
  });
}

for (const manager of managers) {
  describe(`node_modules installed by ${manager.title}`, () => {
    let work: string;
    let root: string;
    let binDir: string | undefined;
    const run = <T>(fn: () => Promise<T>) => (binDir ? withPath(binDir, fn) : fn());
    // CI=true makes pnpm and Yarn 4 freeze the lockfile by default; the developer's install writes it.
    const developerInstall = (dir: string) =>
      run(async () =>
        execFileSync(manager.install[0], manager.install.slice(1), {
          cwd: dir,
          env: { ...process.env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' },
          stdio: 'pipe',
        }),
      );

    beforeAll(async () => {
      if (manager.binary) binDir = await packageManagerBinDir(manager.binary);
      work = await mkdtemp(join(tmpdir(), 'slipway-installed-'));
      root = join(work, 'repo');
      await writeWorkspace(root, manager, '2.1.3');
      await developerInstall(root);
    });
    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('is already installed: used as it is, nothing restored, installed or cached', async () => {
      const cache = new LocalCache(join(work, 'cache'));
      const before = (await stat(join(root, 'node_modules/left-pad/package.json'))).ino;
      const result = await run(async () => restoreOrInstall({ workspace: await discoverWorkspace(root), cache }));
      expect(result).toMatchObject({ how: 'already-installed', evidence: manager.evidence });
      expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
      expect((await stat(join(root, 'node_modules/left-pad/package.json'))).ino).toBe(before);
      expect(versionFrom(join(root, 'packages/app'), 'is-number')).toBe('6.0.0');
      expect(versionFrom(join(root, 'packages/core'), 'is-number')).toBe('7.0.0');
    });

    it("is stale when a workspace package's own node_modules lost a package", async () => {
      const candidates = ['packages/app', 'packages/core'].map((dir) => join(root, dir, 'node_modules/is-number'));
      const present = await Promise.all(
        candidates.map((path) =>
          lstat(path).then(
            () => path,
            () => undefined,
          ),
        ),
      );
      const nested = present.find((path) => path !== undefined);
      // Two versions of is-number: one of them is in a workspace package's own node_modules.
      expect(nested).toBeDefined();
      const moved = join(work, 'is-number-moved');
      await rename(nested!, moved);
      try {
        expect(await run(() => stateOf(root))).toMatchObject({ matches: false });
      } finally {
        await rename(moved, nested!);
      }
    });

    it('is stale once the lockfile moved on, and is then installed, cached and already installed again', async () => {
      // The lockfile as a teammate committed it: ms bumped and installed in their clone, not in this one.
      const clone = join(work, 'clone');
      await cp(root, clone, { recursive: true, filter: (path) => !path.includes('node_modules') });
      await writeWorkspace(clone, manager, '2.1.2');
      await developerInstall(clone);
      await cp(join(clone, manager.lockfile), join(root, manager.lockfile));
      await cp(join(clone, 'packages/core/package.json'), join(root, 'packages/core/package.json'));

      const stale = await run(() => stateOf(root));
      expect(stale.matches).toBe(false);
      const cache = new LocalCache(join(work, 'cache'));
      const lines: string[] = [];
      const installed = await run(async () =>
        restoreOrInstall({ workspace: await discoverWorkspace(root), cache, onLine: (line) => lines.push(line) }),
      );
      expect(installed.how).toBe('installed');
      expect(lines[0]).toBe(`node_modules does not match ${manager.lockfile}: ${(stale as { reason: string }).reason}`);
      expect('cachedBytes' in installed && installed.cachedBytes).toBeGreaterThan(0);
      expect(await cache.usage()).toMatchObject({ entries: 1 });
      expect(versionFrom(join(root, 'packages/core'), 'ms')).toBe('2.1.2');
      expect(await run(() => stateOf(root))).toEqual({ matches: true, evidence: manager.evidence });
    });
  });
}

describe("Yarn 4 with Plug'n'Play, its default", () => {
  it('is installed by Yarn on every run and never cached: there is no node_modules to save or restore', async () => {
    const binDir = await packageManagerBinDir('yarn-berry');
    const work = await mkdtemp(join(tmpdir(), 'slipway-installed-pnp-'));
    try {
      const manager = { ...managers[3], extraFiles: { '.yarnrc.yml': 'enableTelemetry: false\n', 'yarn.lock': '' } };
      await writeWorkspace(work, manager, '2.1.3');
      await withPath(binDir, async () => {
        execFileSync('yarn', ['install'], { cwd: work, env: { ...process.env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' }, stdio: 'pipe' });
        const cache = new LocalCache(join(work, '.cache'));
        for (let run = 0; run < 2; run++) {
          const result = await restoreOrInstall({ workspace: await discoverWorkspace(work), cache });
          expect(result).toMatchObject({ how: 'installed', notCachedBecause: "Yarn Plug'n'Play installs no node_modules" });
          expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
        }
      });
      expect((await stat(join(work, '.pnp.cjs'))).isFile()).toBe(true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
