import type { Config } from '../../config/schema.ts';

type CoverageConfig = Config['coverage'];

/**
 * Whether a package is left out of coverage by `coverage.exclude`: an entry is its name or a glob
 * over names, where `*` stands for any characters but `/` and `**` for any at all
 * (`@scope/*`, `*-docs`, `docs`).
 */
export function isExcludedFromCoverage(name: string, exclude: string[]): boolean {
  return exclude.some((pattern) => nameGlob(pattern).test(name));
}

function nameGlob(pattern: string): RegExp {
  const source = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
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
