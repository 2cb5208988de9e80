import { StageStopped, type StageContext } from '../engine/stage.ts';
import type { ReleaseManifest } from '../release/manifest.ts';

/**
 * The run's own environment (nonprod) is deployed, smoke tested and judged by three stages; it
 * follows the same promotion rules as the later ones: its gate, one deploy at a time, a newer
 * release winning. The lease is held from the deploy until the verdict (or the run's end).
 */
export async function enterFirstEnvironment(ctx: StageContext, environment: string, manifest: ReleaseManifest): Promise<void> {
  const { acquireDeployLease, environmentGates, planPromotion, releaseIdentity } = await import('../promotion/index.ts');
  const store = await ctx.services.promotions();
  store.recordRelease(releaseIdentity(manifest));
  const gates = environmentGates(ctx.config.environments);
  const step = planPromotion(gates, store.view(manifest.tag, gates.map((gate) => gate.name))!, { retryFailed: true });
  if (step.kind === 'await-approval' && step.environment === environment) {
    store.markAwaitingApproval(environment, manifest.tag);
    throw new StageStopped(`${environment} waits for approval: run \`${step.command}\``);
  }
  if (step.kind === 'superseded' && step.environment === environment) throw superseded(manifest.tag, step.by, environment);
  ctx.log(`${manifest.tag}: waiting for ${environment}'s deploy lease`);
  const lease = await acquireDeployLease(store, environment, manifest.tag);
  if ('superseded' in lease) throw superseded(manifest.tag, lease.superseded, environment);
  ctx.services.holdLease(lease);
  store.markDeploying(environment, manifest.tag);
}

/** Runs a step of the first environment; a failure is recorded against the release there. */
export async function inFirstEnvironment<T>(ctx: StageContext, environment: string, tag: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof StageStopped)) {
      (await ctx.services.promotions()).markFailed(environment, tag, (error as Error).message);
      ctx.services.releaseLease(environment);
    }
    throw error;
  }
}

function superseded(tag: string, by: string, environment: string): StageStopped {
  return new StageStopped(`${tag} not deployed: ${by}, a newer release, supersedes it in ${environment}`);
}
