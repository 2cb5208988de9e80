import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMemo, writeMemo } from './json-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-memo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeMemo', () => {
  it('replaces a memo whole, creating its directory, and leaves no temp file beside it', async () => {
    const path = join(dir, 'nested', 'memo.json');
    await writeMemo(path, '{"run":1}');
    await writeMemo(path, '{"run":2}');
    expect(await readMemo(path)).toEqual({ run: 2 });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['memo.json']);
  });
});

describe('readMemo', () => {
  it('reads a memo, and a missing one is unknown without a warning', async () => {
    const warnings: string[] = [];
    await writeFile(join(dir, 'ok.json'), '{"a":1}');
    expect(await readMemo(join(dir, 'ok.json'), (w) => warnings.push(w))).toEqual({ a: 1 });
    expect(await readMemo(join(dir, 'none.json'), (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('treats a truncated or non-object memo as a miss, removes it, and says so naming the file', async () => {
    for (const [name, content] of [
      ['truncated.json', '{"format":2,"fingerpr'],
      ['empty.json', ''],
      ['null.json', 'null'],
    ]) {
      const warnings: string[] = [];
      const path = join(dir, name);
      await writeFile(path, content);
      expect(await readMemo(path, (w) => warnings.push(w))).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(path);
      expect(warnings[0]).toContain('treated as a cache miss');
      expect(existsSync(path)).toBe(false);
    }
  });
});
