import { join, posix } from 'node:path';
import { tracked, type PipelineStage } from './context.ts';
import type { PlacedOutputs } from '../build/cache/index.ts';
import {
  collectedDir,
  collectsCoverage,
  coverageReport,
  runPackageTests,
  testLocations,
  testRunFailure,
  type PackageTestResult,
} from '../build/checks/index.ts';
import { buildCaches } from '../build/caches.ts';
import { resultsInOrder, runOrReplay, testResultKey, type StoredResult } from '../build/checks/replay.ts';
import { limiter, mapConcurrent } from '../shared/concurrency.ts';
import { delegatesToPackages, discoverWorkspace, nearestChangeFirst, readRootTests, rootTestKey } from '../build/workspace/index.ts';
import { FailFast } from '../shared/fail-fast.ts';
import { StageStopped } from '../engine/stage.ts';
import type { PackagesOutputs } from './packages.ts';
import { counted } from '../shared/plural.ts';
import { scriptCommand } from '../build/scripts/run-script.ts';

export interface UnitOutputs {
  results: StoredResult[];
  /** Packages whose results were replayed from cache instead of running again. */
  replayed: string[];
  /**
   * Each tested package's directory, lcov report and test run key, for the coverage gate; the
   * root's run also names every package's build outputs (relative to the root), whose source maps
   * move its report onto the sources.
   */
  lcov: Record<string, { dir: string; report: string; key: string; outputs?: string[] }>;
  /** Each package's test reports now in the working tree, by cache key. */
  placed: PlacedOutputs[];
}

/** Stage 4a: unit tests per package; a package whose build inputs did not change replays its results. */
export const unit: PipelineStage<UnitOutputs> = {
  id: 'unit',
  title: 'Unit tests',
  phase: 'ci',
  needs: ['packages'],
  failure: 'Unit tests failed',
  async run(ctx) {
    const test = ctx.config.tasks.test.script;
    const { junit, lcov } = ctx.config.reports;
    const { tests: testKeys, testScripts, shard } = ctx.output<PackagesOutputs>('packages');
    const workspace = await discoverWorkspace(ctx.repoDir);
    const { tests: cache, stamps } = buildCaches(ctx.home, ctx.config, await ctx.adapters.caches(), ctx.warn);
    let tested: TestTarget[] = workspace.packages
      .filter((pkg) => testScripts[pkg.name])
      .map((pkg) => ({ name: pkg.name, dir: pkg.dir, script: testScripts[pkg.name], key: testKeys[pkg.name] }));
    // Tests run only from the root (a root jest with `projects`, a vitest workspace) run once, as
    // one task reading every package: its key is theirs, the root's own files and its script.
    // In a sharded run, only shard 1 runs the root's tests, and only when no package has its own.
    const root = tested.length === 0 && (shard?.runsRootTests ?? true) ? await readRootTests(workspace, test) : undefined;
    if (root && delegatesToPackages(root.command)) {
      ctx.warn(
        `no workspace package has a "${test}" script; the root package.json's ("${root.command}") runs the packages' own, so no test ran: give the packages their own "${test}" scripts`,
      );
      return {
        summary: `no test ran: no workspace package has a "${test}" script (the root's "${root.command}" runs theirs)`,
        outputs: { results: [], replayed: [], lcov: {}, placed: [] },
      };
    }
    if (root) {
      const outputs = [...ctx.config.tasks.outputs, 'coverage', 'reports', junit, lcov];
      tested = [
        {
          name: root.name,
          dir: workspace.root,
          script: test,
          key: await rootTestKey(workspace, { packages: testKeys, command: root.command, outputs, workTree: ctx.workTree }),
        },
      ];
      ctx.log(
        `no workspace package has a "${test}" script: the root's runs as ${root.name}, again when any package's tests or a root file change`,
      );
    }
    const replayed: string[] = [];
    const keys: Record<string, string> = {};
    // Its build hash, test input files and test command (an edited test re-runs this package's
    // tests only), and whether Slipway collects its coverage.
    const inputsOf = (pkg: TestTarget) => [pkg.key, ...(collectsCoverage(ctx.config.coverage, pkg.name) ? ['coverage'] : [])];
    // The tests that cannot be replayed take the cores first, nearest the change first: failing
    // fast, what a change broke is found before anything else runs. Replays need no core.
    const replayable = new Set(
      (await mapConcurrent(tested, async (pkg) => ((await cache.has(testResultKey(inputsOf(pkg)))) ? pkg.name : undefined), 32)).filter(
        (name) => name !== undefined,
      ),
    );
    const byName = new Map(tested.map((pkg) => [pkg.name, pkg]));
    const toRun = nearestChangeFirst(
      workspace,
      tested.filter((pkg) => !replayable.has(pkg.name)).map((pkg) => pkg.name),
    ).map((name) => byName.get(name)!);
    const stopping = new FailFast(ctx.failFast, ctx.signal);
    const onCore = limiter();
    const testPackage = async (pkg: TestTarget, holdsCore: boolean): Promise<(StoredResult & Partial<PackageTestResult>) | undefined> => {
      // Once stopping, no test starts and a result to replay is not worth waiting for: the run fails anyway.
      if (stopping.signal.aborted) return holdsCore ? stopping.skip(pkg.name) : undefined;
      const { script } = pkg;
      const collectCoverage = collectsCoverage(ctx.config.coverage, pkg.name);
      const runTests = async () =>
        (await stopping.run(
          pkg.name,
          (signal) =>
            runPackageTests({
              name: pkg.name,
              dir: pkg.dir,
              repoRoot: ctx.repoDir,
              script,
              command: scriptCommand(workspace.tool, script),
              junitPath: join(pkg.dir, junit),
              lcovPath: join(pkg.dir, lcov),
              collectCoverage,
              onLine: (line) => ctx.log(`${pkg.name} │ ${line}`),
              track: tracked(ctx, `the ${script} script of ${pkg.name}`),
              signal,
            }),
          failedRun,
        )) ?? Promise.reject(new TestsStopped());
      try {
        const {
          result,
          replayed: fromCache,
          key,
        } = await runOrReplay({
          cache,
          stamps,
          inputs: inputsOf(pkg),
          dir: pkg.dir,
          reports: [junit, lcov, collectedDir],
          run: holdsCore ? runTests : () => onCore(runTests),
        });
        keys[pkg.name] = key;
        if (fromCache) {
          replayed.push(pkg.name);
          ctx.log(`${pkg.name}: results replayed from cache`);
        }
        return result;
      } catch (error) {
        // A stopped run is no result: never cached, never reported as a failure.
        if (error instanceof TestsStopped) return undefined;
        throw error;
      }
    };
    const [ran, replays] = await Promise.all([
      Promise.all(toRun.map((pkg) => onCore(() => testPackage(pkg, true)))),
      mapConcurrent(
        tested.filter((pkg) => replayable.has(pkg.name)),
        (pkg) => testPackage(pkg, false),
        32,
      ),
    ]);
    if (ctx.signal.aborted) throw new StageStopped('stopped');
    const finished = [...ran, ...replays].filter((result) => result !== undefined);
    const results = resultsInOrder(
      tested.map((pkg) => pkg.name),
      finished,
    );
    // Report the first failing package in full; name the others so none goes unnoticed.
    const failed = results.filter(failedRun);
    // How the repository's package manager runs the failing tests: the root's script from the root.
    const rerun = (name: string) => scriptCommand(workspace.tool, byName.get(name)!.script, root ? undefined : name);
    const failure = failed.length ? testRunFailure({ output: '', ...failed[0] }, 'unit', rerun(failed[0].package)) : undefined;
    if (failure) {
      const stopped = stopping.stopped.length
        ? [`stopped ${othersTests(stopping.stopped.length)} (fail-fast; --no-fail-fast runs them all)`]
        : [];
      if (stopped.length) ctx.log(`fail-fast: stopped the tests of ${[...stopping.stopped].sort().join(', ')}`);
      if (failed.length === 1) throw failure.with({ details: [...failure.details, ...stopped] });
      throw failure.with({
        specific: `${failure.specific} (and failures in ${failed
          .slice(1)
          .map((r) => r.package)
          .join(', ')})`,
        details: [...failure.details, ...stopped],
        locations: failed.flatMap((result) => testLocations(result.failures)),
      });
    }
    const passed = results.reduce((sum, result) => sum + result.passed, 0);
    const where = root ? `from the root's "${test}" script` : `in ${counted(results.length, 'package')}`;
    // A passing script that wrote no JUnit report passed by its exit code: a note, not a failure.
    const unreported = results.filter((result) => result.reported === false).map((result) => result.package);
    if (unreported.length) ctx.log(`no JUnit report at ${junit} from ${unreported.join(', ')}: judged by exit code, so no test is named`);
    const byExitCode = unreported.length
      ? `; ${root ? 'it' : counted(unreported.length, 'package')} passed by exit code (no JUnit report)`
      : '';
    const fromCache = replayed.length ? `, ${root ? 'results' : replayed.length} replayed from cache` : '';
    return {
      summary: `${counted(passed, 'test')} passed ${where}${fromCache}${byExitCode}`,
      outputs: {
        results: results.map(({ output: _output, ...stored }) => stored),
        replayed,
        lcov: Object.fromEntries(
          tested.map((pkg) => [
            pkg.name,
            {
              dir: pkg.dir,
              report: coverageReport(pkg.dir, lcov),
              key: keys[pkg.name],
              ...(root && {
                outputs: workspace.packages.flatMap((each) => ctx.config.tasks.outputs.map((output) => posix.join(each.relDir, output))),
              }),
            },
          ]),
        ),
        placed: tested.map((pkg) => ({ key: keys[pkg.name], dir: pkg.dir, paths: [junit, lcov, collectedDir] })),
      },
    };
  },
};

/** A run with a failed test, or a script that failed without naming one. */
const failedRun = (result: StoredResult) => result.failed > 0 || result.exitCode !== 0;

/** Thrown in place of a stopped run's result, so that nothing caches it. */
class TestsStopped extends Error {}

/** "1 other package's tests", "3 other packages' tests". */
function othersTests(count: number): string {
  return count === 1 ? "1 other package's tests" : `${count} other packages' tests`;
}

/** What runs one test script: a workspace package, or the root when only it has one. */
interface TestTarget {
  name: string;
  dir: string;
  /** The package.json script's name. */
  script: string;
  /** Its test key (see PackagesOutputs.tests; for the root, rootTestKey). */
  key: string;
}
