import type { ReleaseManifest } from '../../release/manifest.ts';
import { enterEnvironment, type EnvironmentEntry } from './drive.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { approveCommand, planPromotion, type PromotionStep } from './plan.ts';
import type { PromotionStore } from './store.ts';
import { releaseIdentity, type EnvironmentGate } from './types.ts';

/**
 * The run's own environment (nonprod) follows the same promotion rules as the later ones: its
 * gate, one deploy at a time, a newer release winning. Unlike a promotion, a run deploys its own
 * environment again even where the release is already stable. The caller holds the lease from the
 * deploy until the verdict.
 */
export async function enterFirstEnvironment(opts: {
  store: PromotionStore;
  gates: EnvironmentGate[];
  environment: string;
  release: ReleaseManifest;
  onStep: (line: string) => void;
  /** Whether the environment takes the release now (its review merged): when false it waits at the gate. */
  accepted?: () => Promise<boolean>;
}): Promise<EnvironmentEntry | Extract<PromotionStep, { kind: 'stable-only' }>> {
  const { store, gates, environment, release } = opts;
  store.recordRelease(releaseIdentity(release));
  const view = store.view(
    release.tag,
    gates.map((gate) => gate.name),
  )!;
  // A run deploys its own environment again on purpose, but never a release that was rolled back.
  if (view.withdrawal) {
    const { environment: where, by, reason, replacedBy } = view.withdrawal;
    throw new Failure(`${release.tag} was rolled back in ${where} by ${by}: ${reason}`, {
      details: [`${where} went back to ${replacedBy}`],
      hint: 'a rolled-back release is never deployed again: release the fix as a newer release (merge it to main)',
    });
  }
  const step = planPromotion(gates, view, { retryFailed: true });
  if (step.kind === 'stable-only' && step.environment === environment) return step;
  let here =
    (step.kind === 'await-approval' || step.kind === 'superseded') && step.environment === environment
      ? step
      : { kind: 'deploy' as const, environment };
  if (here.kind === 'deploy' && opts.accepted && !(await opts.accepted()))
    here = { kind: 'await-approval', environment, command: approveCommand(environment, release.tag) };
  return enterEnvironment(store, release.tag, here, { onStep: opts.onStep });
}
