import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { memoizedCoverage, memoizedMerge } from './coverage-memo.ts';
import { mergeCoverage } from './lcov.ts';
import type { FileCoverage } from './lcov.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-coverage-memo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const coverage: FileCoverage[] = [
  {
    file: 'packages/a/src/index.ts',
    lines: new Map([
      [1, 3],
      [2, 0],
    ]),
    functions: { found: 1, hit: 1 },
    branches: { found: 2, hit: 1 },
    functionHits: new Map([['1:main', 3]]),
    branchHits: new Map([
      ['2:0:0', 1],
      ['2:0:1', 0],
    ]),
  },
];

describe('memoizedCoverage', () => {
  it('computes once per test key and gives back equal coverage afterwards', async () => {
    let computed = 0;
    const compute = async () => {
      computed++;
      return coverage;
    };
    expect(await memoizedCoverage(dir, 'test-abc', compute)).toEqual(coverage);
    expect(await memoizedCoverage(dir, 'test-abc', compute)).toEqual(coverage);
    expect(computed).toBe(1);
    await memoizedCoverage(dir, 'test-def', compute);
    expect(computed).toBe(2);
  });

  it('remembers nothing when there is no report', async () => {
    let computed = 0;
    const missing = async () => {
      computed++;
      return undefined;
    };
    expect(await memoizedCoverage(dir, 'test-none', missing)).toBeUndefined();
    expect(await memoizedCoverage(dir, 'test-none', missing)).toBeUndefined();
    expect(computed).toBe(2);
  });

  const other: FileCoverage[] = [{ ...coverage[0], file: 'packages/b/src/index.ts', lines: new Map([[1, 0]]) }];
  const reports: Record<string, FileCoverage[]> = { 'key-a1': coverage, 'key-a2': other, 'key-b1': other };

  it('merges a changed package into the kept ledger, reading only its old and new coverage', async () => {
    const asked: string[] = [];
    const keys: Record<string, string> = { a: 'key-a1', b: 'key-b1' };
    // The package's coverage, memoized by key as the coverage stage does.
    const coverageOf = async (name: string) => {
      asked.push(name);
      return (await memoizedCoverage(dir, keys[name], async () => reports[keys[name]]))!;
    };
    expect(await memoizedMerge(dir, keys, coverageOf)).toEqual(mergeCoverage(coverage, other));
    expect(asked.sort()).toEqual(['a', 'b']);
    asked.length = 0;
    keys.a = 'key-a2';
    expect(await memoizedMerge(dir, keys, coverageOf)).toEqual(mergeCoverage(other, other));
    expect(asked).toEqual(['a']);
    asked.length = 0;
    expect(await memoizedMerge(dir, keys, coverageOf)).toEqual(mergeCoverage(other, other));
    expect(asked).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'merged.v1.json'), 'utf8')).keys).toEqual({ a: 'key-a2', b: 'key-b1' });
  });

  it('merges every package again when a previous coverage memo is gone', async () => {
    const keys: Record<string, string> = { a: 'key-a1', b: 'key-b1' };
    const coverageOf = async (name: string) => (await memoizedCoverage(dir, keys[name], async () => reports[keys[name]]))!;
    await memoizedMerge(dir, keys, coverageOf);
    await rm(join(dir, 'key-a1.v1.json'));
    keys.a = 'key-a2';
    expect(await memoizedMerge(dir, keys, coverageOf)).toEqual(mergeCoverage(other, other));
  });

  it("passes a missing report's failure on and keeps no ledger for it", async () => {
    await expect(
      memoizedMerge(dir, { a: 'key-a' }, async () => {
        throw new Error('a wrote no coverage report');
      }),
    ).rejects.toThrow('a wrote no coverage report');
    await expect(readFile(join(dir, 'merged.v1.json'), 'utf8')).rejects.toThrow();
  });
});
