import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCache } from '../cache/local-cache.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { discoverWorkspace } from '../workspace/discover.ts';
import { restoreOrInstall } from './restore-or-install.ts';

let root: string;
async function write(relPath: string, content: unknown): Promise<void> {
  await mkdir(dirname(join(root, relPath)), { recursive: true });
  await writeFile(join(root, relPath), JSON.stringify(content, null, 2));
}
/** What node resolves from inside the app package, as a developer's code would. */
const resolveFromApp = (specifier: string) =>
  execFileSync('node', ['-e', `console.log(require(${JSON.stringify(specifier)}).toString().slice(0, 40))`], {
    cwd: join(root, 'packages/app'),
  })
    .toString()
    .trim();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-deps-e2e-'));
  await write('package.json', { name: 'embark', private: true, workspaces: ['packages/*'] });
  await write('packages/shared/package.json', { name: '@embark/shared', version: '1.0.0', main: 'index.js' });
  await writeFile(join(root, 'packages/shared/index.js'), 'module.exports = () => "shared";\n');
  await write('packages/app/package.json', {
    name: '@embark/app',
    version: '1.0.0',
    dependencies: { ms: '2.1.3', '@embark/shared': '1.0.0' },
  });
  // A lockfile as a developer would commit it (~/.npm is warm, so this is quick).
  execFileSync('npm', ['install', '--package-lock-only', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: root, stdio: 'pipe' });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('restoreOrInstall on a real npm workspace', () => {
  it('installs and saves a compressed entry on a miss, restores it on a fresh runner, and is then already installed', async () => {
    const cache = new LocalCache(join(root, '.slipway-cache'), { compression: 'gzip' });
    const ws = await discoverWorkspace(root);
    const lines: string[] = [];

    const miss = await restoreOrInstall({ workspace: ws, cache, onLine: (line) => lines.push(line) });
    expect(miss).toMatchObject({ how: 'installed', installCommand: 'npm ci --no-audit --no-fund' });
    expect(lines[0]).toBe(
      'node_modules does not match package-lock.json: no node_modules/.package-lock.json (npm writes it at the end of every install)',
    );
    expect(lines.join('\n')).toMatch(/added \d+ packages?/);
    const cachedBytes = 'cachedBytes' in miss ? miss.cachedBytes : undefined;
    expect(cachedBytes).toBe(await cache.entryBytes(miss.key));
    expect(await cache.usage()).toEqual({ entries: 1, bytes: cachedBytes });
    expect(resolveFromApp('ms')).toContain('function');

    // A fresh runner: the workspace without node_modules.
    await rm(join(root, 'node_modules'), { recursive: true });
    const hit = await restoreOrInstall({ workspace: ws, cache });
    expect(hit).toMatchObject({ how: 'restored', key: miss.key, entryBytes: cachedBytes });
    expect(resolveFromApp('ms')).toContain('function');
    expect(resolveFromApp('@embark/shared')).toContain('shared');
    const link = join(root, 'node_modules/@embark/shared');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('../../packages/shared');

    // Restored is installed, as npm judges it: nothing is restored again (the installed files are the same files).
    const installed = join(root, 'node_modules/ms/package.json');
    const before = (await lstat(installed)).ino;
    const noop = await restoreOrInstall({ workspace: ws, cache });
    expect(noop).toMatchObject({ how: 'already-installed', evidence: 'npm, matches package-lock.json', key: miss.key });
    expect((await lstat(installed)).ino).toBe(before);
  });

  it('reports an install that fails with the cause and the output tail', async () => {
    const cache = new LocalCache(join(root, '.slipway-cache'));
    // package.json now wants a dependency the lockfile does not have.
    await write('packages/app/package.json', {
      name: '@embark/app',
      version: '1.0.0',
      dependencies: { ms: '2.1.3', '@embark/shared': '1.0.0', 'left-pad': '1.3.0' },
    });
    // Same lockfile, but the stale install it would restore is not what package.json asks for.
    const failure = await restoreOrInstall({ workspace: await discoverWorkspace(root), cache }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Failure);
    const { specific, details, hint, logExcerpt } = failure as Failure;
    expect(specific).toMatch(
      /^npm ci --no-audit --no-fund exited with code 1: `npm ci` can only install packages when your package.json and package-lock.json .* are in sync/,
    );
    expect(details).toContain('Missing: left-pad@1.3.0 from lock file');
    expect(hint).toBe('package-lock.json does not match package.json: run `npm install` locally and commit package-lock.json.');
    expect(logExcerpt).toContain('npm error Missing: left-pad@1.3.0 from lock file');
    expect(logExcerpt.join('\n')).not.toContain('Usage:');
  });
});
