import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readMemo, writeMemo } from '../../shared/json-files.ts';
import { CoverageLedger, type LedgerState } from './coverage-ledger.ts';
import { measuredFiles } from './coverage.ts';
import { mergeCoverage, type FileCoverage } from './lcov.ts';

/** Bumped when the way coverage is read, mapped or checked changes, so old memos stop matching. */
const memoFormat = 1;

export interface StoredCoverage extends Omit<FileCoverage, 'lines' | 'functionHits' | 'branchHits'> {
  lines: [number, number][];
  functionHits?: [string, number][];
  branchHits?: [string, number][];
}

/**
 * A package's source-mapped coverage, remembered by the key of the test run that produced it:
 * the same tests on the same build give the same report, so a replayed run's coverage is read
 * back instead of parsing its lcov and source maps again.
 */
export async function memoizedCoverage(
  memoDir: string,
  testKey: string,
  compute: () => Promise<FileCoverage[] | undefined>,
  onCorrupt?: (message: string) => void,
): Promise<FileCoverage[] | undefined> {
  const stored = await memoized<StoredCoverage[]>(memoPath(memoDir, testKey), async () => (await compute())?.map(store), onCorrupt);
  return stored?.map(revive);
}

/** A package's coverage memo as stored, for a shard to hand to its merge; undefined when there is none. */
export function readCoverageMemo(memoDir: string, key: string): Promise<StoredCoverage[] | undefined> {
  return readMemo<StoredCoverage[]>(memoPath(memoDir, key));
}

/**
 * A package's coverage as a shard stored it, remembered under its key where memoizedCoverage
 * finds it (a later ledger takes it out by that key); written only when it is not there yet.
 */
export async function adoptedCoverage(
  memoDir: string,
  key: string,
  stored: StoredCoverage[],
  onCorrupt?: (message: string) => void,
): Promise<FileCoverage[]> {
  return (await memoized(memoPath(memoDir, key), async () => stored, onCorrupt))!.map(revive);
}

const memoPath = (memoDir: string, key: string) => join(memoDir, `${key}.v${memoFormat}.json`);

/**
 * Every package's measured coverage merged, kept between runs in one ledger file: a run where
 * one package changed takes that package's previous coverage out of the ledger and merges its
 * new coverage in, instead of reading and merging every package's. Without a usable ledger
 * (none yet, a previous memo evicted, reports without per-function detail) it merges them all.
 */
export async function memoizedMerge(
  memoDir: string,
  testKeys: Record<string, string>,
  coverageOf: (name: string) => Promise<FileCoverage[]>,
  onCorrupt?: (message: string) => void,
): Promise<FileCoverage[]> {
  const path = join(memoDir, `merged.v${memoFormat}.json`);
  const stored = await readMemo<LedgerState>(path, onCorrupt);
  const keysOf = (keys: Record<string, string>) => JSON.stringify(Object.entries(keys).sort());
  const storedKeys = stored && keysOf(stored.keys);
  const ledger =
    (stored && (await brought(new CoverageLedger(stored), memoDir, testKeys, coverageOf, onCorrupt))) ??
    (await fromScratch(testKeys, coverageOf));
  if (!(ledger instanceof CoverageLedger)) return ledger;
  if (keysOf(ledger.keys) !== storedKeys) {
    await mkdir(memoDir, { recursive: true });
    await writeMemo(path, JSON.stringify(ledger));
  }
  return ledger.merged();
}

/** The stored ledger brought up to these test keys, or undefined when it cannot be. */
async function brought(
  ledger: CoverageLedger,
  memoDir: string,
  testKeys: Record<string, string>,
  coverageOf: (name: string) => Promise<FileCoverage[]>,
  onCorrupt?: (message: string) => void,
): Promise<CoverageLedger | undefined> {
  const stale = Object.entries(ledger.keys).filter(([name, key]) => testKeys[name] !== key);
  const previous = await Promise.all(stale.map(([, key]) => memoizedCoverage(memoDir, key, async () => undefined, onCorrupt)));
  if (previous.some((files) => files === undefined)) return undefined;
  const fresh = Object.entries(testKeys).filter(([name, key]) => ledger.keys[name] !== key);
  const current = await Promise.all(fresh.map(async ([name]) => measuredFiles(await coverageOf(name))));
  if (!current.every(CoverageLedger.accepts)) return undefined;
  stale.forEach(([name], index) => ledger.remove(name, measuredFiles(previous[index]!)));
  fresh.forEach(([name, key], index) => ledger.add(name, key, current[index]));
  return ledger;
}

async function fromScratch(
  testKeys: Record<string, string>,
  coverageOf: (name: string) => Promise<FileCoverage[]>,
): Promise<CoverageLedger | FileCoverage[]> {
  // All at once: most are small memo files, and their reads overlap.
  const all = await Promise.all(
    Object.entries(testKeys).map(async ([name, key]) => [name, key, measuredFiles(await coverageOf(name))] as const),
  );
  if (!all.every(([, , files]) => CoverageLedger.accepts(files))) return mergeCoverage(...all.map(([, , files]) => files));
  const ledger = new CoverageLedger();
  for (const [name, key, files] of all) ledger.add(name, key, files);
  return ledger;
}

async function memoized<T extends object>(
  path: string,
  compute: () => Promise<T | undefined>,
  onCorrupt?: (message: string) => void,
): Promise<T | undefined> {
  const stored = await readMemo<T>(path, onCorrupt);
  if (stored !== undefined) return stored;
  const value = await compute();
  if (value !== undefined) {
    await mkdir(dirname(path), { recursive: true });
    await writeMemo(path, JSON.stringify(value));
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
