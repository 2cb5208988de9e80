import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompiledTests } from './compiled-tests.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-compiled-tests-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CompiledTests, broken', () => {
  it('reads a truncated memo as unknown, warns once naming it, and removes it so it is written again', async () => {
    const warnings: string[] = [];
    const memo = new CompiledTests(join(dir, 'inputs'), (message) => warnings.push(message));
    await memo.record('@x/a', 'dist/a.test.js');
    const [file] = await readdir(join(dir, 'inputs'));
    await writeFile(join(dir, 'inputs', file), '{"file": "dist/a.te');
    expect(await memo.read(['@x/a'])).toEqual(new Map());
    expect(warnings).toEqual([expect.stringMatching(/compiled-tests-[0-9a-f]{32}\.json was unreadable .*treated as a cache miss/)]);
    expect(await readdir(join(dir, 'inputs'))).toEqual([]);
    // Found out again at the next build, and remembered whole.
    await memo.record('@x/a', 'dist/a.test.js');
    expect(await memo.read(['@x/a'])).toEqual(new Map([['@x/a', 'dist/a.test.js']]));
    // Whole JSON of another shape is no memo either.
    await writeFile(join(dir, 'inputs', file), '{"file": 42}');
    expect(await memo.read(['@x/a'])).toEqual(new Map());
  });
});
