import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { craftCacheEntry, type CraftedMember } from '../../test-support/crafted-cache-entry.ts';
import { LocalCache } from './local-cache.ts';

/**
 * Hostile cache entries, well formed (their checksums pass), each trying to write or lead outside
 * the directory it is restored into: a sentinel directory beside the workspace must stay as it
 * was, the workspace too, and the restore must be a miss with one warning naming the entry and
 * the bad path.
 */
let work: string;
let workspace: string;
let sentinel: string;
let cacheDir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-extract-'));
  workspace = join(work, 'workspace');
  sentinel = join(work, 'sentinel');
  cacheDir = join(work, 'cache');
  await mkdir(join(workspace, 'dist'), { recursive: true });
  await writeFile(join(workspace, 'dist/index.js'), 'the build before\n');
  await writeFile(join(workspace, 'package.json'), '{}\n');
  await mkdir(sentinel);
  await writeFile(join(sentinel, 'secret'), 'must not change\n');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every path under dir with its content or link target: equal snapshots mean nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    const stats = await lstat(path);
    out[name] = stats.isSymbolicLink() ? `-> ${await readlink(path)}` : stats.isFile() ? await readFile(path, 'utf8') : 'dir';
  }
  return out;
}

/** From any directory on this machine, a relative path to the sentinel (enough ".." to reach /). */
const climbToSentinel = () => `${'../'.repeat(30)}${sentinel.slice(1)}`;

async function restoreCrafted(members: CraftedMember[]): Promise<{ restored: boolean; warnings: string[] }> {
  const warnings: string[] = [];
  const cache = new LocalCache(cacheDir, { onWarning: (message) => warnings.push(message) });
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cache.entryFile('evil'), await craftCacheEntry('evil', ['dist'], members));
  const restored = await cache.restore('evil', workspace, ['dist']);
  return { restored, warnings };
}

const refusal = (reason: string) => `Cache entry evil in ${cacheDir} was refused: ${reason}; treated as a miss and deleted.`;

describe('restoring a crafted cache entry never writes outside its directory', () => {
  const shapes: Array<[string, () => CraftedMember[], () => string]> = [
    [
      "a name climbing with '../'",
      () => [{ name: `dist/${climbToSentinel()}/pwned`, type: 'file', content: 'x' }],
      () => `dist/${climbToSentinel()}/pwned: a ".." component`,
    ],
    ['an absolute name', () => [{ name: `${sentinel}/pwned`, type: 'file', content: 'x' }], () => `${sentinel}/pwned: an absolute name`],
    [
      'a symlink to the outside, then a file through it',
      () => [
        { name: 'dist/x', type: 'symlink', linkname: sentinel },
        { name: 'dist/x/pwned', type: 'file', content: 'x' },
      ],
      () => `dist/x: a symbolic link that points to the absolute path ${sentinel}`,
    ],
    [
      'a relative symlink climbing out, then a file through it',
      () => [
        { name: 'dist/x', type: 'symlink', linkname: climbToSentinel() },
        { name: 'dist/x/pwned', type: 'file', content: 'x' },
      ],
      () => `dist/x: a symbolic link that points to ${climbToSentinel()}, outside the directory it is restored into`,
    ],
    [
      'a symlink pointing inside, then a file through it (links the archive made are never followed)',
      () => [
        { name: 'dist/sub', type: 'directory' },
        { name: 'dist/x', type: 'symlink', linkname: 'sub' },
        { name: 'dist/x/pwned', type: 'file', content: 'x' },
      ],
      () => 'dist/x/pwned: goes through the symbolic link dist/x',
    ],
    [
      'an absolute symlink alone (it would lead outside once restored)',
      () => [{ name: 'dist/link', type: 'symlink', linkname: join(sentinel, 'secret') }],
      () => `dist/link: a symbolic link that points to the absolute path ${join(sentinel, 'secret')}`,
    ],
    [
      'a symlink swapped in for a directory between entries, then a file under it',
      () => [
        { name: 'dist/x', type: 'directory' },
        { name: 'dist/x', type: 'symlink', linkname: '../sub' },
        { name: 'dist/x/pwned', type: 'file', content: 'x' },
      ],
      () => 'dist/x: replaces what an earlier entry of the archive put there',
    ],
    [
      'a directory entry over a symlink, then a file under it',
      () => [
        { name: 'dist/sub', type: 'directory' },
        { name: 'dist/x', type: 'symlink', linkname: 'sub' },
        { name: 'dist/x', type: 'directory' },
        { name: 'dist/x/pwned', type: 'file', content: 'x' },
      ],
      () => 'dist/x: replaces what an earlier entry of the archive put there',
    ],
    [
      'a file written over a symlink the archive made',
      () => [
        { name: 'dist/target.js', type: 'file', content: 'inside' },
        { name: 'dist/l', type: 'symlink', linkname: 'target.js' },
        { name: 'dist/l', type: 'file', content: 'x' },
      ],
      () => 'dist/l: replaces what an earlier entry of the archive put there',
    ],
    [
      'a hard link to a file outside',
      () => [{ name: 'dist/h', type: 'link', linkname: join(sentinel, 'secret') }],
      () => `dist/h: a hard link to ${join(sentinel, 'secret')}, which is not a file extracted before it`,
    ],
    [
      'a hard link climbing to a file outside',
      () => [{ name: 'dist/h', type: 'link', linkname: `${climbToSentinel()}/secret` }],
      () => `dist/h: a hard link to ${climbToSentinel()}/secret, which is not a file extracted before it`,
    ],
    [
      'a hard link to a file the archive has not extracted yet',
      () => [
        { name: 'dist/h', type: 'link', linkname: 'dist/later.js' },
        { name: 'dist/later.js', type: 'file', content: 'x' },
      ],
      () => 'dist/h: a hard link to dist/later.js, which is not a file extracted before it',
    ],
  ];

  for (const [shape, members, reason] of shapes) {
    it(`refuses ${shape}: a miss, a warning naming the path, nothing written outside, the workspace untouched`, async () => {
      const sentinelBefore = await snapshot(sentinel);
      const workspaceBefore = await snapshot(workspace);
      const { restored, warnings } = await restoreCrafted(members());
      expect(await snapshot(sentinel)).toEqual(sentinelBefore);
      expect(await snapshot(workspace)).toEqual(workspaceBefore);
      expect(restored).toBe(false);
      expect(warnings).toEqual([refusal(reason())]);
      expect(await readdir(cacheDir)).toEqual([]); // the entry is deleted, no staging directory is left
      expect(await readdir(work)).toEqual(['cache', 'sentinel', 'workspace']);
    });
  }

  it('restores what stays inside: a symlink beside the saved path, and a hard link to a file extracted before it', async () => {
    const { restored, warnings } = await restoreCrafted([
      { name: 'dist', type: 'directory' },
      { name: 'dist/index.js', type: 'file', content: 'the cached build\n' },
      { name: 'dist/same.js', type: 'link', linkname: 'dist/index.js' },
      { name: 'dist/manifest', type: 'symlink', linkname: '../package.json' },
    ]);
    expect(warnings).toEqual([]);
    expect(restored).toBe(true);
    expect(await readFile(join(workspace, 'dist/same.js'), 'utf8')).toBe('the cached build\n');
    expect((await stat(join(workspace, 'dist/same.js'))).ino).toBe((await stat(join(workspace, 'dist/index.js'))).ino);
    expect(await readlink(join(workspace, 'dist/manifest'))).toBe('../package.json');
    expect(await snapshot(sentinel)).toEqual({ secret: 'must not change\n' });
  });
});
