import { LocalCache } from '../cache/index.ts';
import type { Stage } from '../engine/stage.ts';
import { Failure } from '../feedback/failure.ts';
import { exec, tailLines } from '../util/exec.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { discoverWorkspace, hashPackages, topologicalLevels } from '../workspace/index.ts';

export interface PackagesOutputs {
  /** Build hash per package: the identity of its outputs, reused by tests and images. */
  hashes: Record<string, string>;
  restored: string[];
  built: string[];
}

/** Stage 3: build every workspace package in dependency order, restoring unchanged ones from cache. */
export const packages: Stage<PackagesOutputs> = {
  id: 'packages',
  title: 'Packages',
  phase: 'ci',
  needs: ['deps'],
  failure: 'Package build failed',
  async run(ctx) {
    const { build, outputs, env } = ctx.config.tasks;
    const workspace = await discoverWorkspace(ctx.repoDir);
    const hashes = await hashPackages(workspace, {
      task: build, command: (pkg) => pkg.scripts[build] ?? '', envKeys: env, outputs: [...outputs, 'coverage', 'reports'],
    });
    const cache = new LocalCache(`${ctx.home.cacheDir}/outputs`);
    const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
    const restored: string[] = [];
    const built: string[] = [];
    for (const level of topologicalLevels(workspace)) {
      await mapConcurrent(level, async (name) => {
        const pkg = byName.get(name)!;
        if (!pkg.scripts[build]) return;
        const key = `build-${hashes.get(name)!.hash}`;
        if (await cache.restore(key, pkg.dir, outputs)) {
          restored.push(name);
          ctx.log(`${name}: restored from cache (${key.slice(0, 18)})`);
          return;
        }
        const result = await exec('npm', ['run', build], { cwd: pkg.dir, onLine: (line) => ctx.log(`${name} │ ${line}`) });
        if (result.code !== 0) {
          throw new Failure(`${name} failed to build (npm run ${build} exited with ${result.code})`, {
            details: [`package: ${name} (${pkg.relDir})`],
            logExcerpt: tailLines(result.output),
            hint: `reproduce with: cd ${pkg.relDir} && npm run ${build}`,
          });
        }
        await cache.save(key, pkg.dir, outputs, { inputs: hashes.get(name)!.inputs });
        built.push(name);
      });
    }
    return {
      summary: `${built.length + restored.length} packages: ${restored.length} from cache, ${built.length} built${built.length ? ` (${built.join(', ')})` : ''}`,
      outputs: { hashes: Object.fromEntries([...hashes].map(([name, value]) => [name, value.hash])), restored, built },
    };
  },
};
