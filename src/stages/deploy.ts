import type { Stage } from '../engine/stage.ts';
import { deployEnvironment, type DeployedEnvironment } from '../deploy/environment.ts';
import { enterFirstEnvironment, inFirstEnvironment } from '../deploy/promotion/first-environment.ts';
import type { ReleaseOutputs } from './release.ts';
import { targetEnvironment } from '../config/environments.ts';

export type DeployOutputs = DeployedEnvironment;

/**
 * Stage 12: the release's images, pinned by digest, deployed to the run's environment: its
 * Kubernetes cluster (server-side apply, rollout wait, automatic rollback), or the local runtime,
 * where the old revision keeps serving until the new one is ready.
 */
export const deploy: Stage<DeployOutputs> = {
  id: 'deploy',
  title: 'Deploy',
  phase: 'release',
  needs: ['integration', 'k8s-tests'],
  failure: 'Failed to deploy to nonprod env',
  async run(ctx) {
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const environment = targetEnvironment(ctx.config);
    await enterFirstEnvironment(ctx, environment, manifest);
    const deployed = await inFirstEnvironment(ctx, environment, manifest.tag, () => deployEnvironment(ctx, environment, manifest));
    (await ctx.services.promotions()).markLive(environment, manifest.tag);
    return { summary: `${manifest.tag} live in ${environment} at ${deployed.url}${deployed.namespace ? ` (revision ${deployed.revision})` : ''}`, outputs: deployed };
  },
};
