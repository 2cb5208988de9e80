import { restoreOutputs, type EntryCache, type OutputStamps } from '../cache/index.ts';
import type { PackageTestResult } from './index.ts';
import { sha256 } from '../../shared/hash.ts';

export type StoredResult = Omit<PackageTestResult, 'output'>;

/** The cache key of test results of these inputs. */
export function testResultKey(inputs: string[]): string {
  return `test-${sha256(inputs.join('\0'))}`;
}

/**
 * Runs a package's tests unless a passing run of the same inputs is cached, in which case its
 * results and reports are replayed (left alone when the reports on disk are already that run's).
 * Only passing runs are stored: a failure runs again after any fix.
 */
export async function runOrReplay<R extends PackageTestResult>(opts: {
  cache: EntryCache;
  stamps: OutputStamps;
  /** The package's build hash and the test command: the inputs of the result. */
  inputs: string[];
  dir: string;
  reports: string[];
  run: () => Promise<R>;
}): Promise<{ result: StoredResult & Partial<R>; replayed: boolean; key: string }> {
  const { cache, stamps, dir, reports } = opts;
  const key = testResultKey(opts.inputs);
  if ((await restoreOutputs({ cache, stamps, key, dir, paths: reports })) !== 'miss') {
    const meta = await cache.readMeta(key);
    if (meta?.result) return { result: meta.result as StoredResult & Partial<R>, replayed: true, key };
  }
  const result = await opts.run();
  if (result.exitCode === 0 && result.failed === 0) {
    const { output: _output, ...stored } = result;
    await cache.save(key, dir, reports, { result: stored });
    await stamps.record(key, dir, reports);
  }
  return { result, replayed: false, key };
}

/**
 * Each package's result in the order of `names` (packages with none left out), however the
 * results finished: one lookup each, not a search of every result per package.
 */
export function resultsInOrder<R extends Pick<StoredResult, 'package'>>(names: readonly string[], finished: readonly R[]): R[] {
  const byPackage = new Map(finished.map((result) => [result.package, result]));
  return names.map((name) => byPackage.get(name)).filter((result) => result !== undefined);
}
