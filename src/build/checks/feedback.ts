import { Failure, type FailureLocation } from '../../shared/feedback/failure.ts';
import { tailLines } from '../../shared/exec.ts';
import type { TestCaseFailure } from './junit.ts';
import type { PackageTestResult } from './run.ts';
import { firstUncoveredRange, type CoverageCheck, type CoverageViolation } from './coverage.ts';

/**
 * The lines around the first failing test in a runner's output: what the code printed just before
 * it failed (often the real cause, such as a database error) and the assertion. Falls back to the
 * tail when no runner marker is found (a crash, a compile error).
 */
export function excerptAroundFirstFailure(output: string, before = 6, after = 14): string[] {
  const lines = output.split('\n');
  // node's runner (✖), TAP (not ok), vitest and jest (FAIL, ●) mark the first failure; jest's
  // "● Validation Warning" and "● Deprecation Warning" about its configuration do not.
  const first = lines.findIndex((line) => /^\s*(✖ |not ok \d|FAIL\s|● (?!(Validation|Deprecation) Warning))/.test(line));
  if (first < 0) return tailLines(output);
  return lines.slice(Math.max(0, first - before), first + after).filter((line) => line.trim() !== '');
}

/** "format > pads dates". */
function testTitle(failure: TestCaseFailure): string {
  return failure.suite ? `${failure.suite} > ${failure.name}` : failure.name;
}

/** "format > pads dates (src/format.test.ts:12)". */
export function describeTestCase(failure: TestCaseFailure): string {
  const title = testTitle(failure);
  const where = failure.file ? ` (${failure.file}${failure.line ? `:${failure.line}` : ''})` : '';
  return `${title}${where}`;
}

/** Each failing test whose file is known, at its line: where an annotation goes. */
export function testLocations(failures: TestCaseFailure[]): FailureLocation[] {
  return failures.flatMap((failure) =>
    failure.file
      ? [{ file: failure.file, ...(failure.line ? { line: failure.line } : {}), title: testTitle(failure), message: failure.message }]
      : [],
  );
}

/**
 * The Failure for a package's test run, or undefined when it passed. Each detail names the
 * failing test and its file, then the assertion message; `rerun` is how the repository's package
 * manager runs those tests (`pnpm --filter @acme/core run test`), for the hint.
 */
export function testRunFailure(result: PackageTestResult, kind: 'unit' | 'browser' = 'unit', rerun?: string): Failure | undefined {
  if (result.failed === 0 && result.exitCode === 0) return undefined;
  const first = result.failures[0];
  const specific =
    result.failures.length === 1 && first
      ? `${kind === 'browser' ? 'browser test' : 'test'} failed in ${result.package}: ${describeTestCase(first)}`
      : `${result.failed} ${kind === 'browser' ? 'browser tests' : 'tests'} failed in ${result.package}`;
  return new Failure(specific, {
    details: result.failures.map((failure) => `${describeTestCase(failure)}: ${failure.message}`),
    logExcerpt: excerptAroundFirstFailure(result.output),
    locations: testLocations(result.failures),
    hint: first?.file
      ? `Fix ${first.file}${first.line ? `:${first.line}` : ''}, or the code it tests, and run the package's tests locally${rerun ? `: ${rerun}` : ''}.`
      : result.reported === false && first
        ? `Run ${first.name} in the directory of ${result.package} and fix what fails (its output is above).`
        : `Run the tests of ${result.package} locally and fix what fails.`,
  });
}

function describeViolation(violation: CoverageViolation): string {
  return `${violation.scope} ${violation.metric} coverage ${violation.actual}% is below ${violation.required}%`;
}

/** The Failure for coverage below its thresholds, naming the uncovered files and lines. */
export function coverageFailure(check: CoverageCheck, maxFiles = 10): Failure | undefined {
  if (check.violations.length === 0) return undefined;
  const specific =
    check.violations.length === 1
      ? describeViolation(check.violations[0])
      : `coverage below thresholds: ${check.violations.map(describeViolation).join('; ')}`;
  const details = check.violations.flatMap((violation) => [
    `${describeViolation(violation)}; uncovered ${violation.metric === 'lines' ? 'lines' : `${violation.metric} at lines`}:`,
    ...violation.uncovered.slice(0, maxFiles).map(({ file, ranges }) => `  ${file}${ranges ? `: ${ranges}` : ''}`),
    ...(violation.uncovered.length > maxFiles ? [`  … and ${violation.uncovered.length - maxFiles} more files`] : []),
  ]);
  const locations = check.violations.flatMap((violation) =>
    uncoveredLocations(
      violation.uncovered.slice(0, maxFiles),
      `${violation.metric === 'lines' ? 'lines' : `${violation.metric} at lines`}`,
      describeViolation(violation),
    ),
  );
  return new Failure(specific, {
    details,
    locations,
    hint: 'Add tests that exercise the uncovered lines. Thresholds live in the Slipway config (coverage, coverage.packages); a package can be left out with coverage.exclude.',
  });
}

/** Each file's first uncovered range, naming all of its uncovered ones and why they matter. */
export function uncoveredLocations(files: { file: string; ranges: string }[], what: string, why: string): FailureLocation[] {
  return files.map(({ file, ranges }) => {
    const first = firstUncoveredRange(ranges);
    return {
      file,
      ...(first ? { line: first.line, ...(first.endLine > first.line ? { endLine: first.endLine } : {}) } : {}),
      title: 'Not covered by tests',
      message: `uncovered ${what}: ${ranges} (${why})`,
    };
  });
}
