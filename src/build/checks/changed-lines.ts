import { Failure } from '../../shared/feedback/failure.ts';
import { formatUncoveredRanges } from './coverage.ts';
import type { ChangedLines } from './git-diff.ts';
import { mergeCoverage, type FileCoverage } from './lcov.ts';
import { isTestFile } from './stack.ts';
import { uncoveredLocations } from './feedback.ts';

export interface ChangedLinesCheck {
  /** Covered share of the instrumented changed lines, rounded down to 2 decimals; 100 when none. */
  percent: number;
  covered: number;
  total: number;
  passed: boolean;
  /** Files with uncovered changed lines, most uncovered first: "12-14, 20". */
  uncovered: { file: string; ranges: string }[];
}

/**
 * How well the changed lines are covered. Only lines the coverage report instruments count: a
 * changed comment or type declaration is not code. Coverage of the same file from several
 * packages' runs is merged first (a line covered by either run is covered); test files and
 * dependencies are not measured, as in checkCoverage.
 */
export function checkChangedLines(files: FileCoverage[], changed: ChangedLines, threshold: number): ChangedLinesCheck {
  let covered = 0;
  let total = 0;
  const uncovered: { file: string; lines: number[] }[] = [];
  for (const coverage of mergeCoverage(files)) {
    const lines = changed.get(coverage.file);
    if (!lines || isTestFile(coverage.file) || coverage.file.includes('node_modules/')) continue;
    const missed: number[] = [];
    for (const [line, hits] of coverage.lines) {
      if (lines !== 'all' && !lines.has(line)) continue;
      total += 1;
      if (hits > 0) covered += 1;
      else missed.push(line);
    }
    if (missed.length > 0) uncovered.push({ file: coverage.file, lines: missed });
  }
  const exact = total === 0 ? 100 : (100 * covered) / total;
  return {
    percent: Math.floor(exact * 100) / 100,
    covered,
    total,
    passed: exact >= threshold,
    uncovered: uncovered
      .sort((a, b) => b.lines.length - a.lines.length || a.file.localeCompare(b.file))
      .map(({ file, lines }) => ({ file, ranges: formatUncoveredRanges(lines) })),
  };
}

/**
 * The Failure for changed lines covered below the threshold, or undefined when they pass:
 * "changed lines 40.0 % covered, below the 80 % required (against merge-base with main (abc1234))".
 */
export function changedLinesFailure(
  result: ChangedLinesCheck,
  threshold: number,
  baseDescription: string,
  maxFiles = 10,
): Failure | undefined {
  if (result.passed) return undefined;
  // Rounded down, so 79.96 shows as 79.9 and never as the 80.0 it failed to reach.
  const shown = (Math.floor(result.percent * 10) / 10).toFixed(1);
  return new Failure(`changed lines ${shown} % covered, below the ${threshold} % required (against ${baseDescription})`, {
    details: [
      `${result.covered} of ${result.total} changed lines with code are covered; uncovered changed lines:`,
      ...result.uncovered.slice(0, maxFiles).map(({ file, ranges }) => `  ${file}: ${ranges}`),
      ...(result.uncovered.length > maxFiles ? [`  … and ${result.uncovered.length - maxFiles} more files`] : []),
    ],
    locations: uncoveredLocations(
      result.uncovered.slice(0, maxFiles),
      'changed lines',
      `changed lines ${shown} % covered, below ${threshold} %`,
    ),
    hint: 'Add tests that exercise these changed lines. The level is coverage.changedLines in the Slipway config; coverage.base sets what the change is measured against.',
  });
}
