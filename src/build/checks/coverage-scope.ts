import type { Config } from '../../config/schema.ts';
import { nameMatcher } from '../workspace/outputs.ts';

type CoverageConfig = Config['coverage'];

/** Whether a package is left out of coverage by `coverage.exclude`: its name, or a glob of names (`@scope/*`, `*-docs`). */
export function isExcludedFromCoverage(name: string, exclude: string[]): boolean {
  return exclude.some((pattern) => nameMatcher(pattern)(name));
}

/** Whether the configuration asks for any coverage level: global, per package, or of changed lines. */
export function hasCoverageThresholds(coverage: CoverageConfig): boolean {
  const { lines, functions, branches, packages, changedLines } = coverage;
  return [lines, functions, branches, changedLines].some((level) => level !== undefined) || Object.keys(packages).length > 0;
}

/**
 * Whether Slipway collects coverage from a package's tests itself (when its script writes no lcov
 * report): only where a threshold asks for coverage, the stage is on and the package not excluded.
 */
export function collectsCoverage(coverage: CoverageConfig, name: string): boolean {
  return coverage.enabled && hasCoverageThresholds(coverage) && !isExcludedFromCoverage(name, coverage.exclude);
}
