import { spawn } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCache } from './local-cache.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-cache-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A build output tree: nested files, an executable, a symlink (like npm's workspace links), an empty dir. */
async function makeTree(dir: string, marker = 'v1'): Promise<void> {
  await mkdir(join(dir, 'dist/nested/deep'), { recursive: true });
  await mkdir(join(dir, 'dist/empty'), { recursive: true });
  await writeFile(join(dir, 'dist/index.js'), `export const version = '${marker}';\n`);
  await writeFile(join(dir, 'dist/nested/deep/data.json'), JSON.stringify({ marker, long: 'x'.repeat(10_000) }));
  await writeFile(join(dir, 'dist/cli.js'), '#!/usr/bin/env node\n');
  await chmod(join(dir, 'dist/cli.js'), 0o755);
  await symlink('../packages/shared', join(dir, 'dist/shared-link'));
  await mkdir(join(dir, 'coverage'), { recursive: true });
  await writeFile(join(dir, 'coverage/lcov.info'), 'TN:\n');
}

async function entryFile(cacheDir: string, key: string): Promise<string> {
  return join(cacheDir, `${key}.entry`);
}

describe('LocalCache', () => {
  it('round-trips a tree with modes, symlinks and empty dirs, replacing stale outputs', async () => {
    const cache = new LocalCache(join(work, 'cache'));
    await makeTree(join(work, 'src'));
    expect(await cache.has('k1')).toBe(false);
    await cache.save('k1', join(work, 'src'), ['dist', 'coverage', 'missing'], { tests: { passed: 3 } });
    expect(await cache.has('k1')).toBe(true);
    expect(await cache.readMeta('k1')).toEqual({ tests: { passed: 3 } });

    const target = join(work, 'target');
    await mkdir(join(target, 'dist'), { recursive: true });
    await writeFile(join(target, 'dist/stale.js'), 'old');
    await mkdir(join(target, 'missing'), { recursive: true });
    await writeFile(join(target, 'keep.txt'), 'not an output');

    expect(await cache.restore('k1', target, ['dist', 'coverage', 'missing'])).toBe(true);
    expect(await readFile(join(target, 'dist/index.js'), 'utf8')).toContain("'v1'");
    expect(JSON.parse(await readFile(join(target, 'dist/nested/deep/data.json'), 'utf8')).marker).toBe('v1');
    expect((await stat(join(target, 'dist/cli.js'))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(target, 'dist/shared-link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(target, 'dist/shared-link'))).toBe('../packages/shared');
    expect((await stat(join(target, 'dist/empty'))).isDirectory()).toBe(true);
    expect(await readdir(join(target, 'dist'))).not.toContain('stale.js');
    await expect(stat(join(target, 'missing'))).rejects.toThrow(/ENOENT/); // absent when saved: removed
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('not an output');
    expect(await readdir(join(work, 'cache'))).toEqual(['k1.entry']); // no staging left behind
  });

  it('saves paths nested in other saved paths once, so their symlinks restore', async () => {
    const warnings: string[] = [];
    const cache = new LocalCache(join(work, 'cache'), { onWarning: (message) => warnings.push(message) });
    await makeTree(join(work, 'src'));
    await cache.save('nested', join(work, 'src'), ['dist', 'dist/nested', 'dist/shared-link']);
    expect(await cache.restore('nested', join(work, 'target'), ['dist'])).toBe(true);
    expect(await readlink(join(work, 'target/dist/shared-link'))).toBe('../packages/shared');
    expect(await readFile(join(work, 'target/dist/nested/deep/data.json'), 'utf8')).toContain('v1');
    expect(warnings).toEqual([]);
  });

  it('round-trips gzip entries too', async () => {
    const cache = new LocalCache(join(work, 'cache'), { compression: 'gzip' });
    await makeTree(join(work, 'src'));
    await cache.save('gz', join(work, 'src'), ['dist']);
    expect(await cache.restore('gz', join(work, 'target'), ['dist'])).toBe(true);
    expect(await readFile(join(work, 'target/dist/index.js'), 'utf8')).toContain("'v1'");
  });

  it('misses on an unknown key and rejects keys that are not plain names', async () => {
    const cache = new LocalCache(join(work, 'cache'));
    expect(await cache.restore('nope', join(work, 'target'), ['dist'])).toBe(false);
    expect(await cache.readMeta('nope')).toBeUndefined();
    await expect(cache.has('../escape')).rejects.toThrow('invalid cache key "../escape"');
  });

  it('treats a corrupt entry as a miss with a warning, evicts it and leaves the target untouched', async () => {
    const warnings: string[] = [];
    const cache = new LocalCache(join(work, 'cache'), { onWarning: (message) => warnings.push(message) });
    await makeTree(join(work, 'src'));
    await cache.save('k1', join(work, 'src'), ['dist']);
    const file = await entryFile(join(work, 'cache'), 'k1');
    const bytes = await readFile(file);
    const at = bytes.indexOf("export const version = 'v1'");
    bytes.write('v9', at + "export const version = '".length); // same length: only the hash can tell
    await writeFile(file, bytes);

    await mkdir(join(work, 'target/dist'), { recursive: true });
    await writeFile(join(work, 'target/dist/index.js'), 'previous build');
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    expect(await cache.has('k1')).toBe(false);
    expect(await readFile(join(work, 'target/dist/index.js'), 'utf8')).toBe('previous build');
    expect(warnings).toEqual([
      `Cache entry k1 in ${join(work, 'cache')} was refused: corrupt (its archive does not match the sha256 in its manifest); treated as a miss and deleted.`,
    ]);
  });

  it('treats a truncated entry as a miss with a warning and evicts it', async () => {
    const warnings: string[] = [];
    const cache = new LocalCache(join(work, 'cache'), { onWarning: (message) => warnings.push(message) });
    await makeTree(join(work, 'src'));
    await cache.save('k1', join(work, 'src'), ['dist']);
    const file = await entryFile(join(work, 'cache'), 'k1');
    await truncate(file, Math.floor((await stat(file)).size / 2));
    expect(await cache.readMeta('k1')).toBeUndefined();
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    expect(await cache.has('k1')).toBe(false);
    expect(warnings).toEqual([
      `Cache entry k1 in ${join(work, 'cache')} was refused: truncated or not a cache entry (no valid manifest); treated as a miss and deleted.`,
    ]);
  });

  it('keeps an entry valid when two writers in one process save the same key at once', async () => {
    const cache = new LocalCache(join(work, 'cache'));
    await makeTree(join(work, 'a'), 'a');
    await makeTree(join(work, 'b'), 'b');
    await Promise.all([cache.save('same', join(work, 'a'), ['dist']), cache.save('same', join(work, 'b'), ['dist'])]);
    expect(await cache.restore('same', join(work, 'target'), ['dist'])).toBe(true);
    expect(await readFile(join(work, 'target/dist/index.js'), 'utf8')).toMatch(/'(a|b)'/);
    expect(await readdir(join(work, 'cache'))).toEqual(['same.entry']);
  });

  it('keeps an entry valid when two processes save the same key at once', async () => {
    await makeTree(join(work, 'src'));
    const script = [
      `import { LocalCache } from ${JSON.stringify(join(import.meta.dirname, 'local-cache.ts'))};`,
      `await new LocalCache(process.argv[2]).save('shared', process.argv[3], ['dist', 'coverage']);`,
    ].join('\n');
    await writeFile(join(work, 'writer.mts'), script);
    const tsx = join(import.meta.dirname, '../../../node_modules/.bin/tsx');
    const run = () =>
      new Promise<number>((resolve) => {
        spawn(tsx, [join(work, 'writer.mts'), join(work, 'cache'), join(work, 'src')], { stdio: 'inherit' }).on('close', (code) =>
          resolve(code ?? 1),
        );
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    const cache = new LocalCache(join(work, 'cache'));
    expect(await cache.restore('shared', join(work, 'target'), ['dist', 'coverage'])).toBe(true);
    expect(await readFile(join(work, 'target/coverage/lcov.info'), 'utf8')).toBe('TN:\n');
    expect(await readdir(join(work, 'cache'))).toEqual(['shared.entry']);
  });

  it('evicts the least recently used entries once over maxBytes', async () => {
    await mkdir(join(work, 'src/out'), { recursive: true });
    await writeFile(join(work, 'src/out/blob.bin'), Buffer.alloc(100_000, 7));
    const cache = new LocalCache(join(work, 'cache'), { maxBytes: 250_000 });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 15));
    await cache.save('a', join(work, 'src'), ['out']);
    await pause();
    await cache.save('b', join(work, 'src'), ['out']);
    await pause();
    expect(await cache.restore('a', join(work, 'target'), ['out'])).toBe(true); // a is now the most recently used
    await pause();
    await cache.save('c', join(work, 'src'), ['out']);
    expect(await cache.has('a')).toBe(true);
    expect(await cache.has('b')).toBe(false);
    expect(await cache.has('c')).toBe(true);
  });
});
