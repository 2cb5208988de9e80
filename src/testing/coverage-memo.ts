import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { CoverageCheck } from './coverage.ts';
import type { FileCoverage } from './lcov.ts';

/** Bumped when the way coverage is read, mapped or checked changes, so old memos stop matching. */
const memoFormat = 1;

interface StoredCoverage extends Omit<FileCoverage, 'lines' | 'functionHits' | 'branchHits'> {
  lines: [number, number][];
  functionHits?: [string, number][];
  branchHits?: [string, number][];
}

/**
 * A package's source-mapped coverage, remembered by the key of the test run that produced it:
 * the same tests on the same build give the same report, so a replayed run's coverage is read
 * back instead of parsing its lcov and source maps again.
 */
export async function memoizedCoverage(memoDir: string, testKey: string, compute: () => Promise<FileCoverage[] | undefined>): Promise<FileCoverage[] | undefined> {
  const stored = await memoized<StoredCoverage[]>(join(memoDir, `${testKey}.v${memoFormat}.json`), async () => (await compute())?.map(store));
  return stored?.map(revive);
}

/** The thresholds check over every package, remembered by all their test keys and the thresholds. */
export async function memoizedCheck(memoDir: string, key: string, compute: () => Promise<CoverageCheck>): Promise<CoverageCheck> {
  return (await memoized(join(memoDir, `check-${key}.v${memoFormat}.json`), compute))!;
}

async function memoized<T>(path: string, compute: () => Promise<T | undefined>): Promise<T | undefined> {
  const stored = await readFile(path, 'utf8').then((text) => JSON.parse(text) as T, () => undefined);
  if (stored !== undefined) return stored;
  const value = await compute();
  if (value !== undefined) {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(value));
  }
  return value;
}

function store(coverage: FileCoverage): StoredCoverage {
  return {
    ...coverage,
    lines: [...coverage.lines],
    functionHits: coverage.functionHits && [...coverage.functionHits],
    branchHits: coverage.branchHits && [...coverage.branchHits],
  };
}

function revive(stored: StoredCoverage): FileCoverage {
  return {
    ...stored,
    lines: new Map(stored.lines),
    functionHits: stored.functionHits && new Map(stored.functionHits),
    branchHits: stored.branchHits && new Map(stored.branchHits),
  };
}
