import { join } from 'node:path';
import { tracked, type PipelineStage } from './context.ts';
import type { PlacedOutputs } from '../build/cache/index.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { runBrowserTests, testRunFailure } from '../build/checks/index.ts';
import { keepArtifacts } from '../shared/artifacts.ts';
import { buildCaches } from '../build/caches.ts';
import type { PackagesOutputs } from './packages.ts';
import { runOrReplay } from '../build/checks/replay.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import { StageStopped } from '../engine/stage.ts';

export interface BrowserOutputs {
  passed: number;
  package?: string;
  /** The browser tests' report now in the working tree, by cache key. */
  placed?: PlacedOutputs[];
}

/** Stage 4c: browser tests of the built frontend in Chromium. */
export const browser: PipelineStage<BrowserOutputs> = {
  id: 'browser',
  title: 'Browser tests',
  phase: 'ci',
  needs: ['packages'],
  failure: 'Browser tests failed',
  async run(ctx) {
    const settings = ctx.config.browserTests;
    if (!settings) return { summary: 'none configured (browserTests in the Slipway configuration)', outputs: { passed: 0 } };
    const workspace = await discoverWorkspace(ctx.repoDir);
    const pkg = workspace.packages.find((p) => p.name === settings.package);
    if (!pkg)
      throw new Failure(`browserTests.package "${settings.package}" is not a workspace package`, {
        details: [`packages: ${workspace.packages.map((p) => p.name).join(', ')}`],
      });
    const { tests: testKeys } = ctx.output<PackagesOutputs>('packages');
    const junit = 'reports/browser-junit.xml';
    const { tests, stamps } = buildCaches(ctx.home, ctx.config, await ctx.adapters.caches(), ctx.warn);
    const { result, replayed, key } = await runOrReplay({
      cache: tests,
      stamps,
      // Its build hash and test input files (browser tests are test files: no build input), and the script.
      inputs: [testKeys[pkg.name], pkg.scripts[settings.script] ?? settings.script, 'browser'],
      dir: pkg.dir,
      reports: [junit],
      run: async () => {
        const run = await runBrowserTests({
          name: pkg.name,
          dir: pkg.dir,
          repoRoot: ctx.repoDir,
          script: settings.script,
          junitPath: join(pkg.dir, junit),
          artifactsDir: join(pkg.dir, 'reports/browser'),
          chromiumPath: ctx.adapters.chromiumPath,
          track: tracked(ctx, `the browser tests of ${pkg.name}`),
          onLine: (line) => ctx.log(line),
          signal: ctx.signal,
        });
        // Stopped by the run (fail-fast): whatever it left is neither cached nor a failure.
        if (ctx.signal.aborted) throw new StageStopped('stopped');
        return run;
      },
    });
    const failure = testRunFailure({ output: '', ...result }, 'browser');
    if (failure) {
      // Screenshots and traces are kept with the run: the repository's report directory is rewritten by the next run.
      const kept = await keepArtifacts(result.artifacts ?? [], join(ctx.runDir, 'artifacts', 'browser'));
      throw failure.with({ artifacts: kept, hint: [failure.hint, ...artifactHints(kept)].join(' ') });
    }
    return {
      summary: `${result.passed} browser tests passed in Chromium (${pkg.name})${replayed ? ', replayed from cache' : ''}`,
      outputs: { passed: result.passed, package: pkg.name, placed: [{ key, dir: pkg.dir, paths: [junit] }] },
    };
  },
};

/** Where to look: screenshots by path, and each trace with the command that opens it. */
function artifactHints(kept: string[]): string[] {
  const screenshots = kept.filter((path) => path.endsWith('.png'));
  const traces = kept.filter((path) => path.endsWith('.trace.zip'));
  return [
    ...(screenshots.length ? [`Screenshots: ${screenshots.join(', ')}.`] : []),
    ...traces.map((trace) => `Replay the test step by step: npx playwright-core show-trace ${trace}`),
  ];
}
