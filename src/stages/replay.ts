import type { LocalCache } from '../cache/index.ts';
import type { PackageTestResult } from '../testing/index.ts';
import { sha256 } from '../util/hash.ts';

export type StoredResult = Omit<PackageTestResult, 'output'>;

/**
 * Runs a package's tests unless a passing run of the same inputs is cached, in which case its
 * results and reports are replayed. Only passing runs are stored: a failure runs again after any fix.
 */
export async function runOrReplay<R extends PackageTestResult>(opts: {
  cache: LocalCache;
  /** The package's build hash and the test command: the inputs of the result. */
  inputs: string[];
  dir: string;
  reports: string[];
  run: () => Promise<R>;
}): Promise<{ result: StoredResult & Partial<R>; replayed: boolean }> {
  const key = `test-${sha256(opts.inputs.join('\0'))}`;
  if (await opts.cache.restore(key, opts.dir, opts.reports)) {
    const meta = await opts.cache.readMeta(key);
    if (meta?.result) return { result: meta.result as StoredResult & Partial<R>, replayed: true };
  }
  const result = await opts.run();
  if (result.exitCode === 0 && result.failed === 0) {
    const { output: _output, ...stored } = result;
    await opts.cache.save(key, opts.dir, opts.reports, { result: stored });
  }
  return { result, replayed: false };
}
