import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../../shared/exec.ts';
import { parseJestJson } from '../jest-json.ts';
import { parseJunit, type JunitSummary } from '../junit.ts';

/**
 * Where the runner shims leave a package's results, relative to the package: inside its
 * node_modules, which git ignores and no build hash reads, so the repository is never touched;
 * cached and replayed with the package's test results.
 */
export const collectedDir = 'node_modules/.cache/slipway/tests';

export interface CollectedPaths {
  /** One JUnit or jest JSON report per runner invocation. */
  results: string;
  /** What runners wrote for coverage (lcov files, V8 coverage); gone after gatherCoverage. */
  rawCoverage: string;
  /** The package's collected coverage, one lcov file. */
  lcov: string;
}

export function collectedPaths(packageDir: string): CollectedPaths {
  const root = join(packageDir, collectedDir);
  return { results: join(root, 'results'), rawCoverage: join(root, 'raw-coverage'), lcov: join(root, 'lcov.info') };
}

/** Empties the collected results of an earlier run, so a crashed run never reads them as its own. */
export async function resetCollected(paths: CollectedPaths, withCoverage: boolean): Promise<void> {
  for (const path of [paths.results, paths.rawCoverage, paths.lcov]) await rm(path, { recursive: true, force: true });
  await mkdir(paths.results, { recursive: true });
  if (withCoverage) await mkdir(paths.rawCoverage, { recursive: true });
}

/**
 * Every report the runners wrote, as one summary; undefined when they wrote none. A report cut
 * short (the runner was killed while writing it) is passed over: the exit code still judges the run.
 */
export async function readCollectedResults(resultsDir: string): Promise<JunitSummary | undefined> {
  const names = (await readdir(resultsDir).catch(() => [] as string[])).sort();
  const summaries: JunitSummary[] = [];
  for (const name of names) {
    const parse = name.endsWith('.xml') ? completeJunit : name.endsWith('.json') ? parseJestJson : undefined;
    const text = parse && (await readFile(join(resultsDir, name), 'utf8').catch(() => undefined));
    const summary = text ? attempt(() => parse(text)) : undefined;
    if (summary) summaries.push(summary);
  }
  return summaries.length ? mergeSummaries(summaries) : undefined;
}

/** A JUnit report read only when whole: every runner's ends by closing its testsuites. */
function completeJunit(text: string): JunitSummary {
  if (!/<\/testsuites?>\s*$/.test(text)) throw new Error('cut short');
  return parseJunit(text);
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export function mergeSummaries(summaries: JunitSummary[]): JunitSummary {
  return {
    passed: summaries.reduce((sum, summary) => sum + summary.passed, 0),
    failed: summaries.reduce((sum, summary) => sum + summary.failed, 0),
    skipped: summaries.reduce((sum, summary) => sum + summary.skipped, 0),
    failures: summaries.flatMap((summary) => summary.failures),
  };
}

/** The error c8 printed (after its usage text), else its last line. */
function errorLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines.find((line) => /^\w*Error:/.test(line.trim()))?.trim() ?? lines.at(-1) ?? '';
}

/** c8's command line, found only when V8 coverage is to be converted (not on every start). */
const c8 = () => createRequire(import.meta.url).resolve('c8/bin/c8.js');

/**
 * Gathers the coverage runners wrote into one lcov file: their lcov files as they are (a file
 * covered by two invocations is merged when read), V8 coverage (NODE_V8_COVERAGE) turned into
 * lcov by c8 in the package's directory. The raw files are removed. Returns a problem to note
 * when V8 coverage could not be read, and nothing otherwise.
 */
export async function gatherCoverage(paths: CollectedPaths, packageDir: string): Promise<{ lcov: boolean; problem?: string }> {
  const entries = await readdir(paths.rawCoverage, { recursive: true, withFileTypes: true }).catch(() => []);
  const lcovFiles = entries
    .filter((entry) => entry.isFile() && (entry.name.endsWith('.info') || entry.name === 'lcov.info'))
    .map((entry) => join(entry.parentPath, entry.name));
  const v8Dirs = entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith('v8-'))
    .map((entry) => join(entry.parentPath, entry.name));
  let problem: string | undefined;
  for (const v8Dir of v8Dirs) {
    const out = `${v8Dir}-lcov`;
    const converted = await exec(
      process.execPath,
      [c8(), 'report', '--temp-directory', v8Dir, '--reports-dir', out, '--reporter', 'lcovonly'],
      {
        cwd: packageDir,
      },
    );
    if (converted.code === 0) lcovFiles.push(join(out, 'lcov.info'));
    else problem = `c8 could not turn the V8 coverage of the tests into lcov: ${errorLine(converted.output)}`;
  }
  const texts = (await Promise.all(lcovFiles.sort().map((file) => readFile(file, 'utf8').catch(() => '')))).filter(Boolean);
  await rm(paths.rawCoverage, { recursive: true, force: true });
  if (texts.length === 0) return { lcov: false, ...(problem ? { problem } : {}) };
  await writeFile(paths.lcov, texts.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join(''));
  return { lcov: true, ...(problem ? { problem } : {}) };
}
