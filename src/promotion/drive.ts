import { acquireDeployLease, type AcquireOptions } from './lease.ts';
import { planPromotion } from './plan.ts';
import type { PromotionStore } from './store.ts';
import type { EnvironmentGate, ReleaseIdentity } from './types.ts';

export interface PromotionDrive {
  store: PromotionStore;
  /** The environments in order, with their gates. */
  gates: EnvironmentGate[];
  release: ReleaseIdentity;
  /**
   * Deploys and verifies the release in one environment while this drive holds its lease: call
   * `live()` once the release serves there; resolve once it is stable; throw when it is not.
   */
  deploy(environment: string, live: () => void): Promise<void>;
  /** Deploy again where the release failed before (a run started on purpose). */
  retryFailed?: boolean;
  lease?: AcquireOptions;
  onStep?: (line: string) => void;
}

/** Where a drive stopped, and the environments it made the release stable in. */
export type PromotionOutcome = { deployed: string[] } & (
  | { kind: 'done' }
  | { kind: 'await-approval'; environment: string; command: string }
  | { kind: 'blocked'; environment: string; reason: string }
  | { kind: 'superseded'; environment: string; by: string }
);

/**
 * Moves a release through the environments as far as their gates allow: plan, take the
 * environment's deploy lease (one deploy at a time; a newer release waiting there wins), deploy
 * and verify, record it stable, plan again. A deploy that fails is recorded with its cause and
 * its error is thrown; the release goes no further.
 */
export async function drivePromotion(drive: PromotionDrive): Promise<PromotionOutcome> {
  const { store, gates, release, onStep = () => {} } = drive;
  const deployed: string[] = [];
  store.recordRelease(release);
  for (;;) {
    const view = store.view(release.tag, gates.map((gate) => gate.name))!;
    const step = planPromotion(gates, view, { retryFailed: drive.retryFailed && deployed.length === 0 });
    if (step.kind === 'done') return { kind: 'done', deployed };
    if (step.kind === 'blocked' || step.kind === 'superseded') return { ...step, deployed };
    if (step.kind === 'await-approval') {
      const record = store.markAwaitingApproval(step.environment, release.tag);
      if (record.status === 'superseded') return { kind: 'superseded', environment: step.environment, by: record.supersededBy!, deployed };
      return { ...step, deployed };
    }
    const { environment } = step;
    onStep(`${release.tag}: waiting for ${environment}'s deploy lease`);
    const lease = await acquireDeployLease(store, environment, release.tag, drive.lease);
    if ('superseded' in lease) return { kind: 'superseded', environment, by: lease.superseded, deployed };
    try {
      store.markDeploying(environment, release.tag);
      onStep(`${release.tag}: deploying to ${environment}`);
      await drive.deploy(environment, () => store.markLive(environment, release.tag));
      store.markStable(environment, release.tag);
      deployed.push(environment);
      onStep(`${release.tag}: stable in ${environment}`);
    } catch (error) {
      store.markFailed(environment, release.tag, (error as Error).message);
      throw error;
    } finally {
      lease.release();
    }
  }
}
