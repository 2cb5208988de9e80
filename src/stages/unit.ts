import { join } from 'node:path';
import { tracked, type PipelineStage } from './context.ts';
import type { PlacedOutputs } from '../build/cache/index.ts';
import { collectedDir, collectsCoverage, coverageReport, runPackageTests, testLocations, testRunFailure } from '../build/checks/index.ts';
import { buildCaches } from '../build/caches.ts';
import { runOrReplay, type StoredResult } from '../build/checks/replay.ts';
import { limiter, mapConcurrent } from '../shared/concurrency.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import type { PackagesOutputs } from './packages.ts';
import { counted } from '../shared/plural.ts';
import { scriptCommand } from '../build/scripts/run-script.ts';
import { readManifestFile } from '../shared/json-files.ts';

export interface UnitOutputs {
  results: StoredResult[];
  /** Packages whose results were replayed from cache instead of running again. */
  replayed: string[];
  /** Each tested package's directory, lcov report and test run key, for the coverage gate. */
  lcov: Record<string, { dir: string; report: string; key: string }>;
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
    const { test } = ctx.config.tasks;
    const { junit, lcov } = ctx.config.reports;
    const { hashes } = ctx.output<PackagesOutputs>('packages');
    const workspace = await discoverWorkspace(ctx.repoDir);
    const { tests: cache, stamps } = buildCaches(ctx.home, ctx.config, await ctx.adapters.caches(), ctx.warn);
    const tested = workspace.packages.filter((pkg) => pkg.scripts[test]);
    // Tests run from the root only (a root `jest` over every package) are not run yet: a green
    // run must not hide that no test ran at all.
    const rootScript = tested.length === 0 ? await rootTestScript(workspace.root, test) : undefined;
    if (rootScript) {
      ctx.warn(
        `no workspace package has a "${test}" script; the root package.json's ("${rootScript}") is not run, so no test ran: give the packages their own "${test}" scripts`,
      );
      return {
        summary: `no test ran: no workspace package has a "${test}" script (the root's "${rootScript}" is not run)`,
        outputs: { results: [], replayed: [], lcov: {}, placed: [] },
      };
    }
    const replayed: string[] = [];
    const keys: Record<string, string> = {};
    // Replays are only reading and run all at once; test runs take a core each.
    const onCore = limiter();
    const results = await mapConcurrent(
      tested,
      async (pkg) => {
        const collectCoverage = collectsCoverage(ctx.config.coverage, pkg.name);
        const {
          result,
          replayed: fromCache,
          key,
        } = await runOrReplay({
          cache,
          stamps,
          inputs: [hashes[pkg.name], pkg.scripts[test], ...(collectCoverage ? ['coverage'] : [])],
          dir: pkg.dir,
          reports: [junit, lcov, collectedDir],
          run: () =>
            onCore(() =>
              runPackageTests({
                name: pkg.name,
                dir: pkg.dir,
                repoRoot: ctx.repoDir,
                script: test,
                command: scriptCommand(workspace.tool, test),
                junitPath: join(pkg.dir, junit),
                lcovPath: join(pkg.dir, lcov),
                collectCoverage,
                onLine: (line) => ctx.log(`${pkg.name} │ ${line}`),
                track: tracked(ctx, `the ${test} script of ${pkg.name}`),
              }),
            ),
        });
        keys[pkg.name] = key;
        if (fromCache) {
          replayed.push(pkg.name);
          ctx.log(`${pkg.name}: results replayed from cache`);
        }
        return result;
      },
      32,
    );
    // Report the first failing package in full; name the others so none goes unnoticed.
    const failed = results.filter((result) => result.failed > 0 || result.exitCode !== 0);
    const failure = failed.length ? testRunFailure({ output: '', ...failed[0] }) : undefined;
    if (failure) {
      if (failed.length === 1) throw failure;
      throw failure.with({
        specific: `${failure.specific} (and failures in ${failed
          .slice(1)
          .map((r) => r.package)
          .join(', ')})`,
        locations: failed.flatMap((result) => testLocations(result.failures)),
      });
    }
    const passed = results.reduce((sum, result) => sum + result.passed, 0);
    // A passing script that wrote no JUnit report passed by its exit code: a note, not a failure.
    const unreported = results.filter((result) => result.reported === false).map((result) => result.package);
    if (unreported.length) ctx.log(`no JUnit report at ${junit} from ${unreported.join(', ')}: judged by exit code, so no test is named`);
    const byExitCode = unreported.length ? `; ${counted(unreported.length, 'package')} passed by exit code (no JUnit report)` : '';
    return {
      summary: `${counted(passed, 'test')} passed in ${counted(results.length, 'package')}${replayed.length ? `, ${replayed.length} replayed from cache` : ''}${byExitCode}`,
      outputs: {
        results: results.map(({ output: _output, ...stored }) => stored),
        replayed,
        lcov: Object.fromEntries(
          tested.map((pkg) => [pkg.name, { dir: pkg.dir, report: coverageReport(pkg.dir, lcov), key: keys[pkg.name] }]),
        ),
        placed: tested.map((pkg) => ({ key: keys[pkg.name], dir: pkg.dir, paths: [junit, lcov, collectedDir] })),
      },
    };
  },
};

/** The root package.json's script of that name, when the workspace root has one. */
async function rootTestScript(root: string, script: string): Promise<string | undefined> {
  const manifest = await readManifestFile(join(root, 'package.json')).catch(() => undefined);
  const scripts = manifest?.scripts as Record<string, unknown> | undefined;
  return typeof scripts?.[script] === 'string' ? scripts[script] : undefined;
}
