import { Failure } from '../../shared/feedback/failure.ts';
import { acquireDeployLease, type AcquireOptions, type DeployLease } from './lease.ts';
import type { RollbackPlan } from './rollback-plan.ts';
import type { PromotionStore, Rollback } from './store.ts';

export interface RollbackDrive {
  store: PromotionStore;
  plan: RollbackPlan;
  by: string;
  reason: string;
  /**
   * Deploys and verifies `plan.to` while this drive holds the environment's lease: call
   * `live(url)` once it serves; resolve once it is stable; throw when it is not.
   */
  deploy(live: (url: string) => void): Promise<void>;
  lease?: AcquireOptions;
  onStep?: (line: string) => void;
}

/**
 * Carries out a planned rollback under the environment's deploy lease: `to` deploys again (an
 * older release, on purpose), and once it serves `from` is rolled back and withdrawn; `to` is then
 * judged like any deploy. A failure is recorded against `to` and rethrown with where things stand.
 */
export async function driveRollback(drive: RollbackDrive): Promise<void> {
  const { store, plan, onStep = () => {} } = drive;
  const rollback: Rollback = { environment: plan.environment, from: plan.from.tag, to: plan.to.tag, by: drive.by, reason: drive.reason };
  onStep(`${rollback.to}: waiting for ${rollback.environment}'s deploy lease`);
  // A rollback's claim is never superseded (purpose 'rollback'): it is the lease or a busy Failure.
  const lease = (await acquireDeployLease(store, rollback.environment, rollback.to, {
    ...drive.lease,
    purpose: 'rollback',
  })) as DeployLease;
  try {
    store.startRollback(rollback);
    onStep(`${rollback.environment}: rolling back from ${rollback.from} to ${rollback.to}`);
    try {
      await drive.deploy((url) => store.markRollbackLive(rollback, url));
      store.markStable(rollback.environment, rollback.to);
    } catch (error) {
      store.markFailed(rollback.environment, rollback.to, `rollback from ${rollback.from} failed: ${(error as Error).message}`);
      if (!(error instanceof Failure)) throw error;
      throw whereItStands(error, rollback, store.live(rollback.environment)?.tag, store.withdrawal(rollback.from) !== undefined);
    }
  } finally {
    lease.release();
  }
}

/**
 * A failed rollback's feedback says what runs now: `from` still (the deploy failed and the target
 * put the environment back), or `to` (it went back in, then failed its checks; `from` stays out).
 */
function whereItStands(failure: Failure, rollback: Rollback, running: string | undefined, withdrawn: boolean): Failure {
  const { environment, from, to } = rollback;
  const runs = running ?? 'no release';
  return withdrawn
    ? failure.with({
        specific: `${environment}: ${to} went back in but did not prove stable: ${failure.specific}`,
        details: [`${environment} runs ${runs} now; ${from} stays rolled back and withdrawn`, ...failure.details],
        hint: [failure.hint, `roll back further (slipway rollback ${environment} --to <an older release>) or release a fix`]
          .filter(Boolean)
          .join('; '),
      })
    : failure.with({
        specific: `${environment}: ${to} could not be deployed: ${failure.specific}`,
        details: [`${environment} still runs ${runs}: nothing was rolled back`, ...failure.details],
        hint: failure.hint ?? `run slipway rollback ${environment} again once the cause is fixed, or name another release with --to`,
      });
}
