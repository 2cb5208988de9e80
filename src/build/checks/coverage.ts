import { isTestFile } from './stack.ts';
import { mergeCoverage, type Counts, type FileCoverage } from './lcov.ts';
import { isExcludedFromCoverage } from './coverage-scope.ts';

export type CoverageMetric = 'lines' | 'functions' | 'branches';
export type CoverageLevels = Partial<Record<CoverageMetric, number>>;

export interface CoverageThresholds extends CoverageLevels {
  /** Per-package levels, checked against that package's own files. */
  packages: Record<string, CoverageLevels>;
  /** Packages that are not measured at all: names, or globs over names. */
  exclude: string[];
}

export interface CoverageViolation {
  scope: string; // 'global' | package name
  metric: CoverageMetric;
  actual: number;
  required: number;
  /** Files with uncovered lines (or lines of uncovered functions/branches), most uncovered first. */
  uncovered: { file: string; ranges: string }[];
}

export interface CoverageCheck {
  summary: Record<CoverageMetric, number>;
  violations: CoverageViolation[];
}

const metrics: CoverageMetric[] = ['lines', 'functions', 'branches'];

/**
 * Checks coverage against the global and per-package levels. Test files themselves and
 * dependencies are not measured (node's runner reports them), nor are excluded packages.
 */
export function checkCoverage(byPackage: Record<string, FileCoverage[]>, thresholds: CoverageThresholds): CoverageCheck {
  const measured = Object.entries(byPackage).filter(([name]) => !isExcludedFromCoverage(name, thresholds.exclude));
  return checkMerged(mergeCoverage(...measured.map(([, files]) => measuredFiles(files))), Object.fromEntries(measured), thresholds);
}

/**
 * The same check from the global coverage already merged (e.g. kept up to date between runs),
 * and the coverage of the packages that have levels of their own.
 */
export function checkMerged(
  global: FileCoverage[],
  byPackage: Record<string, FileCoverage[]>,
  thresholds: CoverageThresholds,
): CoverageCheck {
  const violations = [
    ...violationsOf('global', global, thresholds),
    ...Object.entries(thresholds.packages)
      .filter(([name]) => byPackage[name] && !isExcludedFromCoverage(name, thresholds.exclude))
      .flatMap(([name, levels]) => violationsOf(name, mergeCoverage(measuredFiles(byPackage[name])), levels)),
  ];
  return {
    summary: { lines: percent(global, 'lines'), functions: percent(global, 'functions'), branches: percent(global, 'branches') },
    violations,
  };
}

/** Test files and dependencies are reported by node's runner but are not what is measured. */
export function measuredFiles(files: FileCoverage[]): FileCoverage[] {
  return files.filter((coverage) => !isTestFile(coverage.file) && !coverage.file.includes('node_modules/'));
}

function violationsOf(scope: string, files: FileCoverage[], levels: CoverageLevels): CoverageViolation[] {
  return metrics.flatMap((metric) => {
    const required = levels[metric];
    if (required === undefined) return [];
    const actual = exactPercent(files, metric);
    if (actual >= required) return [];
    return [{ scope, metric, actual: floor2(actual), required, uncovered: uncoveredFiles(files, metric) }];
  });
}

function counts(coverage: FileCoverage, metric: CoverageMetric): Counts {
  if (metric !== 'lines') return coverage[metric];
  const hits = [...coverage.lines.values()];
  return { found: hits.length, hit: hits.filter((count) => count > 0).length };
}

/** Share covered, 100 when there is nothing to cover. */
function exactPercent(files: FileCoverage[], metric: CoverageMetric): number {
  const total = files.reduce(
    (sum, coverage) => {
      const { found, hit } = counts(coverage, metric);
      return { found: sum.found + found, hit: sum.hit + hit };
    },
    { found: 0, hit: 0 },
  );
  return total.found === 0 ? 100 : (100 * total.hit) / total.found;
}

function percent(files: FileCoverage[], metric: CoverageMetric): number {
  return floor2(exactPercent(files, metric));
}

/** Rounded down, so 79.996 shows as 79.99 and never as the 80 it failed to reach. */
function floor2(value: number): number {
  return Math.floor(value * 100) / 100;
}

function uncoveredLines(coverage: FileCoverage, metric: CoverageMetric): number[] {
  if (metric === 'lines') return [...coverage.lines].filter(([, count]) => count === 0).map(([line]) => line);
  const hits = metric === 'functions' ? coverage.functionHits : coverage.branchHits;
  return [...(hits ?? [])]
    .filter(([, count]) => count === 0)
    .map(([id]) => Number(id.split(':')[0]))
    .filter((line) => line > 0);
}

function uncoveredFiles(files: FileCoverage[], metric: CoverageMetric): { file: string; ranges: string }[] {
  return files
    .map((coverage) => ({
      coverage,
      missed: counts(coverage, metric).found - counts(coverage, metric).hit,
      lines: uncoveredLines(coverage, metric),
    }))
    .filter(({ missed }) => missed > 0)
    .sort((a, b) => b.missed - a.missed || a.coverage.file.localeCompare(b.coverage.file))
    .map(({ coverage, lines }) => ({ file: coverage.file, ranges: formatUncoveredRanges(lines) }));
}

/** [12, 13, 14, 18] → "12-14, 18". */
export function formatUncoveredRanges(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let index = 0; index < sorted.length; index += 1) {
    const start = sorted[index];
    while (sorted[index + 1] === sorted[index] + 1) index += 1;
    ranges.push(start === sorted[index] ? `${start}` : `${start}-${sorted[index]}`);
  }
  return ranges.join(', ');
}

/** "12-14, 18" → lines 12 to 14: the first range formatUncoveredRanges wrote. */
export function firstUncoveredRange(ranges: string): { line: number; endLine: number } | undefined {
  const first = /^(\d+)(?:-(\d+))?/.exec(ranges);
  if (!first) return undefined;
  const line = Number(first[1]);
  return { line, endLine: first[2] ? Number(first[2]) : line };
}
