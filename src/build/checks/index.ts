export { parseJunit, type TestCaseFailure, type JunitSummary } from './junit.ts';
export { parseLcov, mergeCoverage, type FileCoverage } from './lcov.ts';
export {
  checkCoverage,
  checkMerged,
  formatUncoveredRanges,
  type CoverageViolation,
  type CoverageThresholds,
  type CoverageCheck,
  type CoverageMetric,
} from './coverage.ts';
export {
  runPackageTests,
  runBrowserTests,
  coverageReport,
  type PackageTestResult,
  type RunTestsOptions,
  type BrowserTestOptions,
} from './run.ts';
export { testRunFailure, coverageFailure, describeTestCase, testLocations } from './feedback.ts';
export { coverageOnSources, indexSourceMaps, readPackageCoverage, type SourceIndex } from './coverage-sources.ts';
export { changedLines, resolveChangeBase, type ChangeBase, type ChangedLines } from './git-diff.ts';
export { changedLinesFailure, checkChangedLines, type ChangedLinesCheck } from './changed-lines.ts';
export { memoizedCoverage, memoizedMerge, readCoverageMemo, adoptedCoverage, type StoredCoverage } from './coverage-memo.ts';
export { collectsCoverage, hasCoverageThresholds, isExcludedFromCoverage } from './coverage-scope.ts';
export { collectedDir } from './runners/collected.ts';
