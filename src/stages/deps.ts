import { restoreOrInstall, type DepsResult } from '../build/deps/index.ts';
import { tracked, type PipelineStage } from './context.ts';
import { buildCaches } from '../build/caches.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import { formatBytes } from '../shared/bytes.ts';

export interface DepsOutputs {
  how: DepsResult['how'];
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
    // An install runs the packages' lifecycle scripts, which may write files anywhere.
    if (result.how === 'installed') ctx.workTree.changed();
    return {
      summary: depsSummary(result),
      outputs: { how: result.how, key: result.key, installCommand: result.installCommand },
    };
  },
};

/** PURE: what the step did, in the words of the stage's summary line. */
export function depsSummary(result: DepsResult): string {
  const key = result.key.replace(/^deps-/, '').slice(0, 12);
  switch (result.how) {
    case 'already-installed':
      return `already installed (${result.evidence})`;
    case 'restored':
      return `restored from cache (${formatBytes(result.entryBytes)}, key ${key}) in ${seconds(result.durationMs)}`;
    case 'installed': {
      const cached =
        'cachedBytes' in result ? `cached ${formatBytes(result.cachedBytes)} compressed` : `not cached: ${result.notCachedBecause}`;
      return `installed with \`${result.installCommand}\` in ${seconds(result.installMs)}; ${cached}`;
    }
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
