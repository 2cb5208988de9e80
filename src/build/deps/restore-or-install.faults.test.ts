import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCache } from '../cache/local-cache.ts';
import { discoverWorkspace } from '../workspace/discover.ts';
import { restoreOrInstall } from './restore-or-install.ts';

/**
 * A deps entry damaged on disk (a full disk cut it short, a bad block flipped bytes): the restore
 * refuses it with a warning saying what is wrong, extracts none of it into the workspace, deletes
 * it, and the install runs instead and saves a good entry.
 */
let root: string;
let cacheDir: string;
let key: string;
let goodEntry: Buffer;
const warnings: string[] = [];
const cache = () => new LocalCache(cacheDir, { compression: 'gzip', onWarning: (message) => warnings.push(message) });
const msFromRoot = () =>
  execFileSync('node', ['-e', 'console.log(require("ms")(60000))'], { cwd: join(root, 'packages/app') })
    .toString()
    .trim();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-deps-faults-'));
  cacheDir = join(root, '.slipway-cache');
  const files = {
    'package.json': { name: 'embark', private: true, workspaces: ['packages/*'] },
    'packages/app/package.json': { name: '@embark/app', version: '1.0.0', dependencies: { ms: '2.1.3' } },
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), JSON.stringify(content, null, 2));
  }
  execFileSync('npm', ['install', '--package-lock-only', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: root, stdio: 'pipe' });
  const first = await restoreOrInstall({ workspace: await discoverWorkspace(root), cache: cache() });
  expect(first.how).toBe('installed');
  key = first.key;
  goodEntry = await readFile(cache().entryFile(key));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the entry as the damage left it. */
const damages: Array<[string, (good: Buffer) => Buffer, string]> = [
  ['cut short', (good) => good.subarray(0, Math.floor(good.length / 2)), 'truncated or not a cache entry (no valid manifest)'],
  [
    'with bytes flipped inside its compressed archive',
    (good) => {
      const bytes = Buffer.from(good);
      for (let at = 200; at < 264; at++) bytes[at] ^= 0xff; // same length: the manifest still reads
      return bytes;
    },
    'corrupt (its archive does not match the sha256 in its manifest)',
  ],
];

describe('a damaged deps entry', () => {
  for (const [damage, apply, problem] of damages) {
    it(`${damage}: is refused with a warning saying so, nothing of it is extracted, and the install runs and saves a good entry`, async () => {
      warnings.length = 0;
      await rm(join(root, 'node_modules'), { recursive: true, force: true });
      await writeFile(cache().entryFile(key), apply(goodEntry));

      // The restore alone: a miss, and the workspace has no node_modules from it.
      expect(await cache().restore(key, root, ['node_modules'])).toBe(false);
      expect(await readdir(root)).not.toContain('node_modules');
      expect(warnings).toEqual([`Cache entry ${key} in ${cacheDir} was refused: ${problem}; treated as a miss and deleted.`]);
      expect(await readdir(cacheDir)).toEqual([]); // deleted, no staging directory left

      // The whole step, the damaged entry in place again: reinstalled, and the entry saved anew is whole.
      await writeFile(cache().entryFile(key), apply(goodEntry));
      const lines: string[] = [];
      const result = await restoreOrInstall({
        workspace: await discoverWorkspace(root),
        cache: cache(),
        onLine: (line) => lines.push(line),
      });
      expect(result.how).toBe('installed');
      expect(lines.join('\n')).toMatch(/added \d+ packages?/);
      expect(msFromRoot()).toBe('1m');
      expect(await readFile(cache().entryFile(key))).toEqual(goodEntry);
    });
  }
});
