import { restoreGlobbedOutputs, restoreOutputs, saveGlobbedOutputs } from '../build/cache/index.ts';
import { tracked, type PipelineStage, type StageContext } from './context.ts';
import type { ShardRun } from '../build/shard/shard-run.ts';
import type { PlacedOutputs, RunCaches, TieredCache } from '../build/cache/index.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { runPackageScript, scriptCommand } from '../build/scripts/run-script.ts';
import { mapConcurrent } from '../shared/concurrency.ts';
import { FailFast } from '../shared/fail-fast.ts';
import { counted } from '../shared/plural.ts';
import { StageStopped } from '../engine/stage.ts';
import { tailLines } from '../shared/exec.ts';
import { buildCaches } from '../build/caches.ts';
import {
  compiledTestFile,
  explainMiss,
  explainPrerequisiteMiss,
  prerequisiteKey,
  runInDependencyOrder,
  TaskInputs,
  type Prerequisite,
} from '../build/workspace/index.ts';

export interface PackagesOutputs {
  /** Build hash per package: the identity of its outputs, reused by tests and images. */
  hashes: Record<string, string>;
  /** Each package's test key: its build hash, test input files and test command. */
  tests: Record<string, string>;
  /** Each package's test script, where it has a test task (after the configuration's overrides). */
  testScripts: Record<string, string>;
  restored: string[];
  built: string[];
  /** Packages the configuration skips (`packages: { name: { skip: true } }`). */
  skipped: string[];
  /** Each package's build outputs now in the working tree, by cache key. */
  placed: PlacedOutputs[];
  /** Milliseconds each package built here took (restored ones are not timed). */
  buildMs: Record<string, number>;
  /** In a shard: whether it runs the root's tests (shard 1, when no package has tests of its own). */
  shard?: { runsRootTests: boolean };
}

/**
 * Stage 3: build every workspace package, each as soon as its dependencies are built, restoring
 * unchanged ones from cache. A package whose build inputs changed is rebuilt with its dependents
 * (their hashes include its hash), and the log says which inputs changed.
 */
export const packages: PipelineStage<PackagesOutputs> = {
  id: 'packages',
  title: 'Packages',
  phase: 'ci',
  needs: ['deps'],
  failure: 'Package build failed',
  async run(ctx) {
    const { outputs } = ctx.config.tasks;
    const caches = await ctx.adapters.caches();
    const { outputs: cache, stamps, lastInputs, compiledTests } = buildCaches(ctx.home, ctx.config, caches, ctx.warn);
    const plan = await TaskInputs.read(ctx.repoDir, ctx.config, compiledTests, ctx.workTree);
    const { workspace, tasks } = plan;
    const sharded = ctx.shard && (await shardedBuilds(ctx, ctx.shard, caches, cache, plan));
    const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
    const restored: string[] = [];
    const built: string[] = [];
    const failed: string[] = [];
    const keyOf = (name: string) => `build-${plan.hashes.get(name)!.hash}`;
    const stopping = new FailFast(ctx.failFast, ctx.signal);
    const buildMs: Record<string, number> = {};
    // A shard builds what it owns and what its packages need; the rest is other shards' work.
    const withBuild = workspace.packages.filter((pkg) => tasks.get(pkg.name)!.build && (!sharded || sharded.needs(pkg.name)));
    const withTests = workspace.packages.filter((pkg) => tasks.get(pkg.name)!.test && (!sharded || sharded.tests.includes(pkg.name)));
    // Outputs already in place only need reading to confirm: all at once, not in build order.
    const inPlace = new Map(
      (
        await mapConcurrent(
          withBuild,
          async (pkg) => ((await stamps.unchanged(keyOf(pkg.name), pkg.dir, outputs)) ? ([pkg.name, keyOf(pkg.name)] as const) : undefined),
          32,
        )
      ).filter((entry) => entry !== undefined),
    );
    // turbo.json's prerequisites of builds (solid-js#types), each run once, when a build needing
    // it runs, after the prerequisites it depends on and beside the others, as Turborepo runs them.
    const prerequisiteRuns = new Map<string, Promise<void>>();
    const runPrerequisite = (prerequisite: Prerequisite, before: string): Promise<void> => {
      const id = `${prerequisite.package}#${prerequisite.script}`;
      if (!prerequisiteRuns.has(id))
        prerequisiteRuns.set(
          id,
          Promise.all(prerequisite.after.map((after) => runPrerequisite(plan.prerequisiteById.get(after)!, before))).then(() =>
            runScriptBefore(prerequisite, before),
          ),
        );
      return prerequisiteRuns.get(id)!;
    };
    // Cached as Turborepo caches them: under their package's build hash, with turbo.json's outputs.
    const runScriptBefore = async ({ package: owner, script, outputs: globs, cache: cached }: Prerequisite, before: string) => {
      const pkg = byName.get(owner)!;
      const id = `${owner}#${script}`;
      const current = plan.prerequisiteHash(id);
      const entry = { cache, stamps, key: prerequisiteKey(current.hash), dir: pkg.dir, globs };
      const previous = await lastInputs.read('prerequisite', id);
      if (cached && (await restoreGlobbedOutputs({ ...entry, warn: ctx.warn })) !== 'miss') {
        ctx.log(`${id}: restored from cache`);
        if (previous?.hash !== current.hash) await lastInputs.write('prerequisite', current);
        return;
      }
      if (cached) ctx.log(`${id}: cache miss: ${summarise(previous ? explainPrerequisiteMiss(previous, current) : ['first run'])}`);
      ctx.log(`${id}: run before the build of ${before} (turbo.json dependsOn)`);
      const result = await runPackageScript({
        dir: pkg.dir,
        script,
        manifest: pkg.manifest,
        onLine: (line) => ctx.log(`${id} │ ${line}`),
        track: tracked(ctx, `the ${script} script of ${owner}`),
      });
      if (result.code === 0) {
        if (cached) await saveGlobbedOutputs({ ...entry, meta: { inputs: current.inputs } });
        await lastInputs.write('prerequisite', current);
        return;
      }
      const command = scriptCommand(workspace.tool, script);
      throw new Failure(`${id} failed before the build of ${before} (${command} exited with ${result.code})`, {
        details: [`turbo.json: the build of ${before} depends on ${id}`],
        logExcerpt: tailLines(result.output),
        hint: `reproduce with: cd ${pkg.relDir} && ${command}`,
      });
    };
    // A package with no build is still hashed for its dependents: its inputs are remembered, so a
    // dependent's rebuild is explained down to its files.
    const rememberUnbuilt = async (name: string) => {
      const current = plan.hashes.get(name)!;
      if ((await lastInputs.read('build', name))?.hash !== current.hash) await lastInputs.write('build', current);
    };
    const buildPackage = async (name: string) => {
      const pkg = byName.get(name)!;
      const task = tasks.get(name)!.build;
      if (!task) return rememberUnbuilt(name);
      if (sharded && !sharded.needs(name)) return;
      // Stopping: what the stop reaches next is not restored either.
      if (stopping.signal.aborted) return;
      // A dependency found to compile tests changes this key: then what is in place is not it.
      if (inPlace.get(name) === keyOf(name)) return void restored.push(name);
      const restore = () => restoreOutputs({ cache, stamps, key: keyOf(name), dir: pkg.dir, paths: outputs });
      // A build that writes compiled tests is saved under another key, which its marker leads to.
      await sharded?.awaitOwner(name, [keyOf(name), compiledTestsMarker(plan.hashes.get(name)!.hash)]);
      let restoredHere = await restore();
      if (restoredHere === 'miss' && !plan.compiledTests.has(name)) {
        // A runner without this home's memo: another may have found that this build compiles tests.
        const marked = (await cache.readMeta(compiledTestsMarker(plan.hashes.get(name)!.hash)))?.compiledTests;
        if (typeof marked === 'string' && plan.compiledTestsFound(name, marked)) {
          await compiledTests.record(name, marked);
          restoredHere = await restore();
        }
      }
      const current = plan.hashes.get(name)!;
      const previous = await lastInputs.read('build', name);
      if (restoredHere !== 'miss') {
        restored.push(name);
        ctx.log(`${name}: restored from cache (${keyOf(name).slice(0, 18)})`);
        if (previous?.hash !== current.hash) await lastInputs.write('build', current);
        return;
      }
      if (sharded?.awaited(name))
        throw new Failure(`${name} could not be restored from the remote cache, where its shard put it`, {
          details: [`package: ${name} (${pkg.relDir}), built by shard ${sharded.ownerOf(name)}`],
          hint: 'see the warnings above: the remote cache refused or could not deliver the entry',
        });
      const reasons = previous ? explainMiss(previous.inputs, current.inputs) : ['first build'];
      ctx.log(`${name}: cache miss: ${summarise(reasons)}`);
      try {
        await Promise.all((plan.prerequisites.get(name) ?? []).map((prerequisite) => runPrerequisite(prerequisite, name)));
      } catch (error) {
        failed.push(name);
        throw error;
      }
      const started = Date.now();
      const result = await stopping.run(
        name,
        (signal) =>
          runPackageScript({
            dir: pkg.dir,
            script: task.script,
            manifest: pkg.manifest,
            onLine: (line) => ctx.log(`${name} │ ${line}`),
            track: tracked(ctx, `the ${task.script} script of ${name}`),
            signal,
          }),
        (run) => run.code !== 0,
      );
      // Stopped (fail-fast): neither built nor cached; the failure that stopped it is reported.
      if (!result) return;
      if (result.code !== 0) {
        failed.push(name);
        const command = scriptCommand(workspace.tool, task.script);
        throw new Failure(`${name} failed to build (${command} exited with ${result.code})`, {
          details: [`package: ${name} (${pkg.relDir})`],
          logExcerpt: tailLines(result.output),
          hint: `reproduce with: cd ${pkg.relDir} && ${command}`,
        });
      }
      const compiledTest = await compiledTestFile(pkg.dir, outputs, (relPath) => plan.isSourceFile(name, relPath));
      const foundNow = plan.compiledTestsFound(name, compiledTest);
      const inputs = plan.hashes.get(name)!;
      await cache.save(keyOf(name), pkg.dir, outputs, { inputs: inputs.inputs });
      await stamps.record(keyOf(name), pkg.dir, outputs);
      if (foundNow) {
        // Under the key without its test files, for runners that have not seen this build.
        if (compiledTest) await cache.save(compiledTestsMarker(current.hash), pkg.dir, [], { compiledTests: compiledTest });
        await compiledTests.record(name, compiledTest);
        ctx.log(
          compiledTest
            ? `${name}'s build writes compiled tests (${compiledTest}): its test files are build inputs`
            : `${name}'s build no longer writes compiled tests: its test files are not build inputs`,
        );
      }
      await lastInputs.write('build', inputs);
      buildMs[name] = Date.now() - started;
      built.push(name);
    };
    try {
      await runInDependencyOrder(workspace, buildPackage);
    } catch (error) {
      // Several packages failed together: the first in full, the others named.
      const first = (error instanceof AggregateError ? error.errors[0] : error) as unknown;
      // Alone and with nothing stopped, it is thrown as it is (a HostFailure stays one).
      if (!(first instanceof Failure) || (failed.length <= 1 && stopping.stopped.length === 0)) throw first;
      const stopped = stopping.stopped.length
        ? [
            `stopped ${counted(stopping.stopped.length, 'other build')}: ${listed(stopping.stopped)} (fail-fast; --no-fail-fast runs them all)`,
          ]
        : [];
      throw first.with({
        specific: failed.length > 1 ? `${first.specific} (${failed.slice(1).join(', ')} failed too)` : first.specific,
        details: [...first.details, ...stopped],
      });
    }
    if (ctx.signal.aborted) throw new StageStopped('stopped');
    // What each package's tests run with now, so `slipway why` can say what changed since.
    await mapConcurrent(
      withTests,
      async (pkg) => {
        const current = plan.tests.get(pkg.name)!;
        if ((await lastInputs.read('test', pkg.name))?.hash !== current.hash) await lastInputs.write('test', current);
      },
      32,
    );
    const skipped = workspace.packages.filter((pkg) => tasks.get(pkg.name)!.skipped).map((pkg) => pkg.name);
    const skippedNote = skipped.length ? `; ${counted(skipped.length, 'package')} skipped by config (${listed(skipped)})` : '';
    return {
      summary: `${built.length + restored.length} packages: ${restored.length} from cache, ${built.length} built${built.length ? ` (${listed(built)})` : ''}${skippedNote}`,
      outputs: {
        hashes: Object.fromEntries([...plan.hashes].map(([name, value]) => [name, value.hash])),
        tests: Object.fromEntries([...plan.tests].map(([name, value]) => [name, value.hash])),
        testScripts: Object.fromEntries(withTests.map((pkg) => [pkg.name, tasks.get(pkg.name)!.test!.script])),
        restored,
        built,
        skipped,
        placed: withBuild.map((pkg) => ({ key: keyOf(pkg.name), dir: pkg.dir, paths: outputs })),
        buildMs,
        ...(sharded && { shard: { runsRootTests: sharded.runsRootTests } }),
      },
    };
  },
};

/**
 * A shard's part of the builds (see build/shard): which packages it needs, which tests are its,
 * and the wait for a build another shard owns. Loaded only by a sharded run.
 */
async function shardedBuilds(ctx: StageContext, run: ShardRun, caches: RunCaches, outputs: TieredCache, plan: TaskInputs) {
  const { awaitOwnedBuild, planShardRun, shardCache } = await import('../build/shard/shard-run.ts');
  const shards = shardCache(caches, ctx.config, true);
  const work = await planShardRun({ run, repoDir: ctx.repoDir, workspace: plan.workspace, tasks: plan.tasks, shards });
  const needed = new Set([...work.builds, ...Object.keys(work.awaited)]);
  ctx.log(
    `shard ${run.spec.index}/${run.spec.count}: tests of ${work.tests.length}, builds ${work.builds.length} of its own, waits for ${Object.keys(work.awaited).length} built by other shards`,
  );
  return {
    tests: work.tests,
    needs: (name: string) => needed.has(name),
    awaited: (name: string) => name in work.awaited,
    ownerOf: (name: string) => `${work.owner[name]}/${run.spec.count}`,
    runsRootTests: run.spec.index === 1 && plan.workspace.packages.every((pkg) => !plan.tasks.get(pkg.name)?.test),
    awaitOwner: async (name: string, keys: string[]) => {
      if (!(name in work.awaited)) return;
      await awaitOwnedBuild({ run, name, owner: work.awaited[name], keys, outputs, shards, log: ctx.log });
    },
  };
}

/** The cache entry that says a build of these inputs (test files not among them) writes compiled tests. */
const compiledTestsMarker = (hashWithoutTestFiles: string) => `compiled-tests-${hashWithoutTestFiles}`;

function summarise(reasons: string[]): string {
  return reasons.length > 3 ? `${reasons.slice(0, 3).join(', ')} and ${reasons.length - 3} more` : reasons.join(', ');
}

function listed(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}
