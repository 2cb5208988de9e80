import { restoreOutputs } from '../build/cache/index.ts';
import { tracked, type PipelineStage } from './context.ts';
import type { PlacedOutputs } from '../build/cache/index.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { runPackageScript, scriptCommand } from '../build/scripts/run-script.ts';
import { mapConcurrent } from '../shared/concurrency.ts';
import { FailFast } from '../shared/fail-fast.ts';
import { counted } from '../shared/plural.ts';
import { StageStopped } from '../engine/stage.ts';
import { tailLines } from '../shared/exec.ts';
import { buildCaches } from '../build/caches.ts';
import { explainMiss, hashBuildInputs, runInDependencyOrder } from '../build/workspace/index.ts';

export interface PackagesOutputs {
  /** Build hash per package: the identity of its outputs, reused by tests and images. */
  hashes: Record<string, string>;
  restored: string[];
  built: string[];
  /** Each package's build outputs now in the working tree, by cache key. */
  placed: PlacedOutputs[];
}

/**
 * Stage 3: build every workspace package, each as soon as its dependencies are built, restoring
 * unchanged ones from cache. A package whose inputs changed is rebuilt with its dependents (their
 * hashes include its hash), and the log says which inputs changed.
 */
export const packages: PipelineStage<PackagesOutputs> = {
  id: 'packages',
  title: 'Packages',
  phase: 'ci',
  needs: ['deps'],
  failure: 'Package build failed',
  async run(ctx) {
    const { build, outputs } = ctx.config.tasks;
    const { workspace, hashes } = await hashBuildInputs(ctx.repoDir, ctx.config);
    const { outputs: cache, stamps, lastInputs } = buildCaches(ctx.home, ctx.config, await ctx.adapters.caches(), ctx.warn);
    const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
    const restored: string[] = [];
    const built: string[] = [];
    const failed: string[] = [];
    const keyOf = (name: string) => `build-${hashes.get(name)!.hash}`;
    const stopping = new FailFast(ctx.failFast, ctx.signal);
    // Outputs already in place only need reading to confirm: all at once, not in build order.
    const inPlace = new Set(
      (
        await mapConcurrent(
          workspace.packages,
          async (pkg) => (pkg.scripts[build] && (await stamps.unchanged(keyOf(pkg.name), pkg.dir, outputs)) ? pkg.name : undefined),
          32,
        )
      ).filter((name) => name !== undefined),
    );
    restored.push(...inPlace);
    const buildPackage = async (name: string) => {
      const pkg = byName.get(name)!;
      // Stopping: what the stop reaches next is not restored either.
      if (!pkg.scripts[build] || inPlace.has(name) || stopping.signal.aborted) return;
      const current = hashes.get(name)!;
      const key = keyOf(name);
      const previous = await lastInputs.read(build, name);
      if ((await restoreOutputs({ cache, stamps, key, dir: pkg.dir, paths: outputs })) !== 'miss') {
        restored.push(name);
        ctx.log(`${name}: restored from cache (${key.slice(0, 18)})`);
        if (previous?.hash !== current.hash) await lastInputs.write(build, current);
        return;
      }
      const reasons = previous ? explainMiss(previous.inputs, current.inputs) : ['first build'];
      ctx.log(`${name}: cache miss: ${summarise(reasons)}`);
      const result = await stopping.run(
        name,
        (signal) =>
          runPackageScript({
            dir: pkg.dir,
            script: build,
            manifest: pkg.manifest,
            onLine: (line) => ctx.log(`${name} │ ${line}`),
            track: tracked(ctx, `the ${build} script of ${name}`),
            signal,
          }),
        (run) => run.code !== 0,
      );
      // Stopped (fail-fast): neither built nor cached; the failure that stopped it is reported.
      if (!result) return;
      if (result.code !== 0) {
        failed.push(name);
        const command = scriptCommand(workspace.tool, build);
        throw new Failure(`${name} failed to build (${command} exited with ${result.code})`, {
          details: [`package: ${name} (${pkg.relDir})`],
          logExcerpt: tailLines(result.output),
          hint: `reproduce with: cd ${pkg.relDir} && ${command}`,
        });
      }
      await cache.save(key, pkg.dir, outputs, { inputs: current.inputs });
      await stamps.record(key, pkg.dir, outputs);
      await lastInputs.write(build, current);
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
    return {
      summary: `${built.length + restored.length} packages: ${restored.length} from cache, ${built.length} built${built.length ? ` (${listed(built)})` : ''}`,
      outputs: {
        hashes: Object.fromEntries([...hashes].map(([name, value]) => [name, value.hash])),
        restored,
        built,
        placed: workspace.packages
          .filter((pkg) => pkg.scripts[build])
          .map((pkg) => ({ key: keyOf(pkg.name), dir: pkg.dir, paths: outputs })),
      },
    };
  },
};

function summarise(reasons: string[]): string {
  return reasons.length > 3 ? `${reasons.slice(0, 3).join(', ')} and ${reasons.length - 3} more` : reasons.join(', ');
}

function listed(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}
