import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoizedCheck, memoizedCoverage } from './coverage-memo.ts';
import type { CoverageCheck } from './coverage.ts';
import type { FileCoverage } from './lcov.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'slipway-coverage-memo-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const coverage: FileCoverage[] = [{
  file: 'packages/a/src/index.ts',
  lines: new Map([[1, 3], [2, 0]]),
  functions: { found: 1, hit: 1 },
  branches: { found: 2, hit: 1 },
  functionHits: new Map([['1:main', 3]]),
  branchHits: new Map([['2:0:0', 1], ['2:0:1', 0]]),
}];

describe('memoizedCoverage', () => {
  it('computes once per test key and gives back equal coverage afterwards', async () => {
    let computed = 0;
    const compute = async () => { computed++; return coverage; };
    expect(await memoizedCoverage(dir, 'test-abc', compute)).toEqual(coverage);
    expect(await memoizedCoverage(dir, 'test-abc', compute)).toEqual(coverage);
    expect(computed).toBe(1);
    await memoizedCoverage(dir, 'test-def', compute);
    expect(computed).toBe(2);
  });

  it('remembers nothing when there is no report', async () => {
    let computed = 0;
    const missing = async () => { computed++; return undefined; };
    expect(await memoizedCoverage(dir, 'test-none', missing)).toBeUndefined();
    expect(await memoizedCoverage(dir, 'test-none', missing)).toBeUndefined();
    expect(computed).toBe(2);
  });

  it('remembers a coverage check by its key', async () => {
    const check: CoverageCheck = { summary: { lines: 50, functions: 100, branches: 50 }, violations: [{ scope: 'global', metric: 'lines', actual: 50, required: 80, uncovered: [{ file: 'a.ts', ranges: '2' }] }] };
    let computed = 0;
    const compute = async () => { computed++; return check; };
    expect(await memoizedCheck(dir, 'k1', compute)).toEqual(check);
    expect(await memoizedCheck(dir, 'k1', compute)).toEqual(check);
    expect(computed).toBe(1);
  });
});
