import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from './sqlite.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-sqlite-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

// SQLite's numbers for the setting: 1 NORMAL, 2 FULL.
it('commits to the disk one by one unless asked otherwise, always in WAL mode', () => {
  for (const [durability, synchronous] of [
    [undefined, 2],
    ['full', 2],
    ['normal', 1],
  ] as const) {
    const db = openDatabase(join(dir, 'state.db'), durability);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(synchronous);
    db.close();
  }
});
