import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { runPackageScript, scriptCommand, type ScriptOptions } from '../scripts/run-script.ts';
import { parseJunit, type TestCaseFailure } from './junit.ts';
import { sourceLocation } from './source-map.ts';
import { collectedPaths, gatherCoverage, mergeSummaries, readCollectedResults, resetCollected } from './runners/collected.ts';
import { runnerEnv, runnerShimDir } from './runners/runner-shims.ts';

export interface PackageTestResult {
  package: string;
  passed: number;
  /** Failed tests; a script that failed without reporting one counts as one failure. */
  failed: number;
  skipped: number;
  failures: TestCaseFailure[];
  durationMs: number;
  exitCode: number;
  output: string;
  /** Absolute path of the lcov report the run wrote, or Slipway collected, if there is one. */
  lcovPath?: string;
  /** False when no report was written or collected: a passing run without one is judged by its exit code alone. */
  reported?: boolean;
}

export interface RunTestsOptions {
  /** Package name, for results and feedback. */
  name: string;
  /** Package directory. */
  dir: string;
  /** npm script to run. */
  script: string;
  /** How the repository's package manager names running it, for feedback (default `npm run <script>`). */
  command?: string;
  /** Report paths, relative to `dir`. */
  junitPath: string;
  lcovPath: string;
  env?: Record<string, string>;
  onLine?: (line: string) => void;
  /** Records the test process while it runs (see ExecOptions.track). */
  track?: ScriptOptions['track'];
  /** Stops the test script when aborted (see ScriptOptions.signal). */
  signal?: AbortSignal;
  /** Failure files are given relative to this directory (the repository root); default `dir`. */
  repoRoot?: string;
  /**
   * Collect coverage through the runners when the script writes no lcov at `lcovPath` itself (a
   * coverage threshold asks for it).
   */
  collectCoverage?: boolean;
}

/**
 * Runs a package's test script and reads the JUnit and lcov reports it writes. Old reports are
 * removed first so a crashed run can never be read as the previous run's pass; their
 * directories are created, since node's reporters do not.
 */
export async function runPackageTests(opts: RunTestsOptions): Promise<PackageTestResult> {
  return runTestScript(opts);
}

/** The lcov report of a package's last test run: the one its script wrote, else the one Slipway collected. */
export function coverageReport(dir: string, lcovPath: string): string {
  const own = resolve(dir, lcovPath);
  return existsSync(own) ? own : collectedPaths(dir).lcov;
}

export interface BrowserTestOptions extends Omit<RunTestsOptions, 'lcovPath'> {
  /** Where the package writes screenshots and traces, relative to `dir` (e.g. reports/browser). */
  artifactsDir: string;
  chromiumPath: string;
}

/** Runs a package's browser tests with CHROMIUM_PATH set and collects the artifacts they wrote. */
export async function runBrowserTests(opts: BrowserTestOptions): Promise<PackageTestResult & { artifacts: string[] }> {
  const artifactsDir = resolve(opts.dir, opts.artifactsDir);
  await rm(artifactsDir, { recursive: true, force: true });
  const result = await runTestScript({ ...opts, env: { ...opts.env, CHROMIUM_PATH: opts.chromiumPath } });
  return { ...result, artifacts: await listFiles(artifactsDir) };
}

async function runTestScript(opts: Omit<RunTestsOptions, 'lcovPath'> & { lcovPath?: string }): Promise<PackageTestResult> {
  const junitFile = resolve(opts.dir, opts.junitPath);
  const lcovFile = opts.lcovPath === undefined ? undefined : resolve(opts.dir, opts.lcovPath);
  // Node 20's --test-reporter-destination does not create directories: make them.
  for (const report of lcovFile ? [junitFile, lcovFile] : [junitFile]) {
    await rm(report, { force: true });
    await mkdir(dirname(report), { recursive: true });
  }

  // The runners the script starts (vitest, jest, mocha, node --test, ...) report through the
  // shims into the package's collected directory, besides whatever the script writes itself.
  const collected = collectedPaths(opts.dir);
  const collectCoverage = Boolean(opts.collectCoverage && lcovFile);
  await resetCollected(collected, collectCoverage);
  const shimDir = await runnerShimDir();
  const run = await runPackageScript({
    dir: opts.dir,
    script: opts.script,
    env: {
      ...opts.env,
      ...runnerEnv({ shimDir, resultsDir: collected.results, coverageDir: collectCoverage ? collected.rawCoverage : undefined }),
    },
    pathPrefix: [shimDir],
    onLine: opts.onLine && ((line) => opts.onLine!(line)),
    track: opts.track,
    signal: opts.signal,
  });
  const report = await readFile(junitFile, 'utf8').catch(() => undefined);
  const reports = [report === undefined ? undefined : parseJunit(report), await readCollectedResults(collected.results)].filter(
    (summary) => summary !== undefined,
  );
  const summary = mergeSummaries(reports);
  // The script's own lcov report, when it writes one, is preferred to what the runners collected.
  const coverage = collectCoverage ? await gatherCoverage(collected, opts.dir) : { lcov: false };
  if (coverage.problem) opts.onLine?.(coverage.problem);
  const lcovPath = lcovFile && existsSync(lcovFile) ? lcovFile : coverage.lcov ? collected.lcov : undefined;
  const failures = await Promise.all(
    summary.failures.map(async ({ file, line, ...failure }) =>
      file ? { ...failure, ...(await sourceLocation(file, line, opts.dir, opts.repoRoot ?? opts.dir)) } : failure,
    ),
  );
  const command = opts.command ?? scriptCommand('npm', opts.script);
  const scriptFailure = unreportedFailure(
    command,
    run.code,
    report !== undefined ? `its JUnit report ${opts.junitPath}` : reports.length > 0 ? 'the reports of its test runners' : undefined,
    opts.junitPath,
    summary.failed,
  );
  if (scriptFailure) failures.push(scriptFailure);
  return {
    package: opts.name,
    passed: summary.passed,
    failed: summary.failed + (scriptFailure ? 1 : 0),
    skipped: summary.skipped,
    failures,
    durationMs: run.durationMs,
    exitCode: run.code,
    output: run.output,
    reported: reports.length > 0,
    ...(lcovPath ? { lcovPath } : {}),
  };
}

/**
 * A run that failed without a failed test in its report (a crash, a compile error) is a failure
 * too, never a pass: it carries the tail of the output. A run that passed without a report is a
 * pass: its exit code says so, and the missing report is only a note.
 */
function unreportedFailure(
  name: string,
  exitCode: number,
  reports: string | undefined,
  junitPath: string,
  reportedFailures: number,
): TestCaseFailure | undefined {
  if (exitCode !== 0 && reports === undefined)
    return {
      name,
      message: `exited with code ${exitCode} and wrote no JUnit report to ${junitPath}, so no test can be named (a failing test, a crash or a compile error: see its output)`,
    };
  if (exitCode !== 0 && reportedFailures === 0)
    return {
      name,
      message: `exited with code ${exitCode}, yet ${reports} shows no failed test (another command of the script, or a crash: see its output)`,
    };
  return undefined;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
