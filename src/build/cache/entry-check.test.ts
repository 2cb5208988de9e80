import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEntryFile } from './entry-check.ts';
import { LocalCache } from './local-cache.ts';

let work: string;
let entry: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-check-'));
  await mkdir(join(work, 'src/dist'), { recursive: true });
  await writeFile(join(work, 'src/dist/index.js'), 'export {};\n'.repeat(500));
  const cache = new LocalCache(join(work, 'cache'));
  await cache.save('k1', join(work, 'src'), ['dist']);
  entry = cache.entryFile('k1');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('checkEntryFile', () => {
  it('accepts a complete entry for its key', async () => {
    const check = await checkEntryFile(entry, 'k1');
    expect(check.ok && check.manifest.files).toEqual(['dist', 'dist/index.js']);
  });

  it('names what is wrong: truncated, another key, or a changed archive', async () => {
    expect(await checkEntryFile(entry, 'k2')).toEqual({ ok: false, problem: 'stored under the wrong key (its manifest says "k1")' });
    const bytes = await readFile(entry);
    bytes[600] ^= 0xff;
    await writeFile(entry, bytes);
    expect(await checkEntryFile(entry, 'k1')).toEqual({
      ok: false,
      problem: 'corrupt (its archive does not match the sha256 in its manifest)',
    });
    await truncate(entry, bytes.length - 1);
    expect(await checkEntryFile(entry, 'k1')).toEqual({ ok: false, problem: 'truncated or not a cache entry (no valid manifest)' });
  });
});
