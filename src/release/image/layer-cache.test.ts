import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../shared/hash.ts';
import { FileDigests } from './layer-cache.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-digests-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileDigests', () => {
  it('remembers digests across builds and notices a same-size rewrite', async () => {
    const file = join(dir, 'runtime.bin');
    await writeFile(file, 'aaaa');
    const first = await FileDigests.open(join(dir, 'digests.json'));
    expect(await first.of(file)).toBe(sha256('aaaa'));
    await first.save();

    const second = await FileDigests.open(join(dir, 'digests.json'));
    expect(await second.of(file)).toBe(sha256('aaaa'));
    await writeFile(file, 'bbbb');
    expect(await second.of(file)).toBe(sha256('bbbb'));
  });
});
