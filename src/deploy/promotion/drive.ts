import { acquireDeployLease, type AcquireOptions, type DeployLease } from './lease.ts';
import { approveCommand, planPromotion, type PromotionStep } from './plan.ts';
import type { PromotionStore } from './store.ts';
import type { EnvironmentGate, ReleaseIdentity } from './types.ts';

export interface PromotionDrive {
  store: PromotionStore;
  /** The environments in order, with their gates. */
  gates: EnvironmentGate[];
  release: ReleaseIdentity;
  /**
   * Deploys and verifies the release in one environment while this drive holds its lease: call
   * `live(url)` once the release serves there; resolve once it is stable; throw when it is not.
   */
  deploy(environment: string, live: (url: string) => void): Promise<void>;
  /**
   * Whether the environment takes the approved release now (its review merged); when false the
   * release keeps waiting at the gate. Default: always.
   */
  accepted?(environment: string): Promise<boolean>;
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
  | { kind: 'stable-only'; environment: string; reason: string }
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
    const view = store.view(
      release.tag,
      gates.map((gate) => gate.name),
    )!;
    const step = planPromotion(gates, view, { retryFailed: drive.retryFailed && deployed.length === 0 });
    if (step.kind === 'done') return { kind: 'done', deployed };
    if (step.kind === 'blocked' || step.kind === 'stable-only') return { ...step, deployed };
    // Approved, but what the target offered for review is not accepted yet: it waits at the gate.
    const here =
      step.kind === 'deploy' && drive.accepted && !(await drive.accepted(step.environment))
        ? { kind: 'await-approval' as const, environment: step.environment, command: approveCommand(step.environment, release.tag) }
        : step;
    const entry = await enterEnvironment(store, release.tag, here, { lease: drive.lease, onStep });
    if (entry.kind !== 'entered') return { ...entry, deployed };
    const { environment, lease } = entry;
    try {
      onStep(`${release.tag}: deploying to ${environment}`);
      await drive.deploy(environment, (url) => store.markLive(environment, release.tag, url));
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

/** What entering an environment gave: its deploy lease, or why the release may not go in now. */
export type EnvironmentEntry =
  | { kind: 'entered'; environment: string; lease: DeployLease }
  | { kind: 'await-approval'; environment: string; command: string }
  | { kind: 'superseded'; environment: string; by: string };

/**
 * Acts on the plan's step for one environment: records a release waiting at a manual gate, or
 * takes the environment's deploy lease and marks the deploy begun. A newer release that wants the
 * environment meanwhile supersedes it either way. The caller releases the lease.
 */
export async function enterEnvironment(
  store: PromotionStore,
  tag: string,
  step: Extract<PromotionStep, { kind: 'deploy' | 'await-approval' | 'superseded' }>,
  options: { lease?: AcquireOptions; onStep?: (line: string) => void } = {},
): Promise<EnvironmentEntry> {
  const { environment } = step;
  if (step.kind === 'superseded') return step;
  if (step.kind === 'await-approval') {
    const record = store.markAwaitingApproval(environment, tag);
    return record.status === 'superseded' ? { kind: 'superseded', environment, by: record.supersededBy! } : step;
  }
  options.onStep?.(`${tag}: waiting for ${environment}'s deploy lease`);
  const lease = await acquireDeployLease(store, environment, tag, options.lease);
  if ('superseded' in lease) return { kind: 'superseded', environment, by: lease.superseded };
  try {
    store.markDeploying(environment, tag);
  } catch (error) {
    lease.release();
    throw error;
  }
  return { kind: 'entered', environment, lease };
}
