import { OutputStamps, type RunCaches } from './cache/index.ts';
import type { Config } from '../config/schema.ts';
import type { Home } from '../shared/home.ts';
import { CompiledTests, LastInputs } from './workspace/index.ts';

/**
 * The caches of a run, one per kind of work (dependencies, build outputs, test results), as every
 * stage and command names them. `warn` hears of a remembered file that could not be read.
 */
export function buildCaches(home: Home, config: Config, caches: RunCaches, warn?: (message: string) => void) {
  const limit = { maxBytes: config.cache.maxMegabytes * 1024 * 1024 };
  return {
    // Compressed: a node_modules shrinks to a fifth or less, and restoring is bound by creating its files, not by gunzip.
    deps: caches.open('deps', { ...limit, compression: 'gzip' }),
    outputs: caches.open('outputs', limit),
    tests: caches.open('tests', limit),
    /** What each cache entry last put in the working tree, so unchanged outputs are not rewritten. */
    stamps: new OutputStamps(`${home.cacheDir}/stamps`),
    lastInputs: new LastInputs(`${home.cacheDir}/inputs`, warn),
    /** Which packages' builds write compiled tests (their test files are then build inputs). */
    compiledTests: new CompiledTests(`${home.cacheDir}/inputs`, warn),
  };
}
