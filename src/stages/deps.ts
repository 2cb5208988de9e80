import { restoreOrInstall } from '../build/deps/index.ts';
import { tracked, type PipelineStage } from './context.ts';
import { buildCaches } from '../build/caches.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';

export interface DepsOutputs {
  hit: boolean;
  key: string;
  installCommand: string;
}

/** Stage 2: the dependency install, restored from cache by lockfile, Node version and platform. */
export const deps: PipelineStage<DepsOutputs> = {
  id: 'deps',
  title: 'Dependencies',
  phase: 'ci',
  // Beside the trigger, not after it: reading the merge commit's changes takes as long as a warm restore.
  needs: [],
  failure: 'Dependency install failed',
  async run(ctx) {
    const workspace = await discoverWorkspace(ctx.repoDir);
    const result = await restoreOrInstall({
      workspace,
      cache: buildCaches(ctx.home, ctx.config, await ctx.adapters.caches(), ctx.warn).deps,
      onLine: ctx.log,
      track: tracked(ctx, 'the dependency install'),
    });
    const how = result.hit ? 'cache hit' : `cache miss: ${result.installCommand}`;
    return {
      summary: `${how} (key ${result.key.slice(0, 12)}, ${(result.durationMs / 1000).toFixed(1)}s)`,
      outputs: { hit: result.hit, key: result.key, installCommand: result.installCommand },
    };
  },
};
