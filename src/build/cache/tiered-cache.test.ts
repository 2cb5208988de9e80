import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { openCache, RunCaches, usageLine } from './open-cache.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-tiered-'));
  await mkdir(join(work, 'src/dist'), { recursive: true });
  await writeFile(join(work, 'src/dist/index.js'), 'export const v = 1;\n');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('TieredCache without a remote', () => {
  it('works as the local cache and counts hits and misses', async () => {
    const cache = await openCache(join(work, 'cache'));
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    await cache.save('k1', join(work, 'src'), ['dist'], { ok: true });
    expect(await cache.has('k1')).toBe(true);
    expect(await cache.readMeta('k1')).toEqual({ ok: true });
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await readFile(join(work, 'target/dist/index.js'), 'utf8')).toBe('export const v = 1;\n');
    expect(cache.stats()).toEqual({ localHits: 1, remoteHits: 0, misses: 1, uploads: 0 });
    expect(await cache.flush(1_000)).toEqual({ uploaded: 0, skipped: 0, failed: 0 });
  });

  it('RunCaches keeps one directory per name and sums their counters', async () => {
    const run = await RunCaches.connect(join(work, 'cache'));
    expect(run.open('deps')).toBe(run.open('deps'));
    await run.open('deps').save('k1', join(work, 'src'), ['dist']);
    expect(await run.open('deps').restore('k1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await run.open('outputs').restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    expect(await readFile(join(work, 'cache/deps/k1.entry')).then(() => true)).toBe(true);
    expect(run.stats()).toEqual({ localHits: 1, remoteHits: 0, misses: 1, uploads: 0 });
  });

  it('RunCaches tells what each cache holds on this machine, in one line', async () => {
    const run = await RunCaches.connect(join(work, 'cache'));
    await run.open('deps').save('k1', join(work, 'src'), ['dist']);
    await run.open('deps').save('k2', join(work, 'src'), ['dist']);
    run.open('tests');
    const entryBytes = (await stat(join(work, 'cache/deps/k1.entry'))).size;
    expect(await run.usage()).toEqual({ deps: { entries: 2, bytes: 2 * entryBytes }, tests: { entries: 0, bytes: 0 } });
    expect(usageLine({ deps: { entries: 1, bytes: 126 * 1024 * 1024 }, tests: { entries: 2, bytes: 40 * 1024 } })).toBe(
      'cache on this machine: deps 126.0 MiB (1 entry), tests 40.0 KiB (2 entries)',
    );
  });
});
