import { StageStopped, type StageContext } from '../../engine/stage.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';

/**
 * The run's own environment (nonprod) is deployed, smoke tested and judged by three stages; it
 * follows the same promotion rules as the later ones: its gate, one deploy at a time, a newer
 * release winning. The lease is held from the deploy until the verdict (or the run's end).
 */
export async function enterFirstEnvironment(ctx: StageContext, environment: string, manifest: ReleaseManifest): Promise<void> {
  const { enterEnvironment, environmentGates, planPromotion, releaseIdentity } = await import('./index.ts');
  const store = await ctx.services.promotions();
  store.recordRelease(releaseIdentity(manifest));
  const gates = environmentGates(ctx.config.environments);
  const step = planPromotion(gates, store.view(manifest.tag, gates.map((gate) => gate.name))!, { retryFailed: true });
  // A run deploys its own environment again even where the release is already stable.
  const here = (step.kind === 'await-approval' || step.kind === 'superseded') && step.environment === environment ? step : { kind: 'deploy' as const, environment };
  const entry = await enterEnvironment(store, manifest.tag, here, { onStep: ctx.log });
  if (entry.kind === 'await-approval') throw new StageStopped(`${environment} waits for approval: run \`${entry.command}\``);
  if (entry.kind === 'superseded') throw new StageStopped(`${manifest.tag} not deployed: ${entry.by}, a newer release, supersedes it in ${environment}`);
  ctx.services.holdLease(entry.lease);
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
