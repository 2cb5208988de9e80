import { targetEnvironment } from '../config/environments.ts';
import type { DeployedEnvironment } from '../deploy/target.ts';
import { StageStopped } from '../engine/stage.ts';
import { approvalSteps, inFirstEnvironment, type PipelineStage } from './context.ts';
import type { ReleaseOutputs } from './release.ts';

export type DeployOutputs = DeployedEnvironment;

/**
 * Stage 12: the release's images, pinned by digest, deployed to the run's environment through
 * its deploy target: its Kubernetes cluster (server-side apply, rollout wait, automatic
 * rollback), or the local runtime, where the old revision keeps serving until the new one is
 * ready. The environment's gate and deploy lease come first, as for any promotion.
 */
export const deploy: PipelineStage<DeployOutputs> = {
  id: 'deploy',
  title: 'Deploy',
  phase: 'release',
  needs: ['integration', 'k8s-tests'],
  failure: 'Failed to deploy to nonprod env',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { enterFirstEnvironment, environmentGates } = await import('../deploy/promotion/index.ts');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const environment = targetEnvironment(ctx.config);
    const store = await ctx.adapters.promotions();
    const target = await ctx.adapters.deployTarget(environment);
    const entry = await enterFirstEnvironment({
      store,
      gates: environmentGates(ctx.config.environments),
      environment,
      release: manifest,
      onStep: ctx.log,
      accepted: async () => (await target.accepted?.(manifest)) ?? true,
    });
    if (entry.kind === 'await-approval') {
      const proposal = await target.propose?.(manifest, ctx.log);
      throw new StageStopped(`${environment} waits for approval: ${approvalSteps(entry.command, proposal)}`);
    }
    if (entry.kind === 'stable-only') throw new StageStopped(`${manifest.tag} not deployed: ${entry.reason}`);
    if (entry.kind === 'superseded')
      throw new StageStopped(`${manifest.tag} not deployed: ${entry.by}, a newer release, supersedes it in ${environment}`);
    ctx.adapters.holdLease(entry.lease);
    const deployed = await inFirstEnvironment(ctx, environment, manifest.tag, () =>
      target.deploy({ release: manifest, runId: ctx.run.id, log: ctx.log }),
    );
    store.markLive(environment, manifest.tag, deployed.url);
    return {
      summary: `${manifest.tag} live in ${environment} at ${deployed.url}${deployed.namespace ? ` (revision ${deployed.revision})` : ''}${deployed.note ? `; ${deployed.note}` : ''}`,
      outputs: deployed,
    };
  },
};
