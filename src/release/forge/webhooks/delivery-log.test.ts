import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileDeliveryLog } from './delivery-log.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-deliveries-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileDeliveryLog', () => {
  it('remembers ids across instances, as a restarted receiver must', async () => {
    const path = join(dir, 'state', 'deliveries.log');
    const first = new FileDeliveryLog(path);
    expect(first.has('a')).toBe(false);
    first.add('a');
    first.add('b');
    first.add('a');
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
    const restarted = new FileDeliveryLog(path);
    expect(restarted.has('a')).toBe(true);
    expect(restarted.has('b')).toBe(true);
    expect(restarted.has('c')).toBe(false);
  });

  it('drops a last line torn by a crash and keeps the next id on a line of its own', async () => {
    const path = join(dir, 'deliveries.log');
    await writeFile(path, 'a\nb\nc-tor');
    const log = new FileDeliveryLog(path);
    expect([log.has('a'), log.has('b'), log.has('c-tor')]).toEqual([true, true, false]);
    log.add('d');
    const reloaded = new FileDeliveryLog(path);
    expect([reloaded.has('d'), reloaded.has('c-tord')]).toEqual([true, false]);
  });
});
