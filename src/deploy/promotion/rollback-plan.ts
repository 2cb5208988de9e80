import { Failure } from '../../shared/feedback/failure.ts';
import { isNewer } from './order.ts';
import type { EnvironmentHistory, ReleaseIdentity } from './types.ts';

/** Where a rollback goes: the environment, and the release to put back when one is named. */
export interface RollbackTarget {
  environment: string;
  /** The release to go back to; the newest earlier stable one when omitted. */
  to?: string;
}

/** What a rollback does: take `from` out of the environment and put `to` back, by its digests. */
export interface RollbackPlan {
  environment: string;
  from: ReleaseIdentity;
  to: ReleaseIdentity;
}

/**
 * Decides a rollback from an environment's history, or refuses it with the reason. `from` is what
 * runs there now; `to` is the named release, or the newest release older than `from` that was
 * stable there and was not rolled back itself. Pure: everything it reads is in `history`.
 */
export function planRollback(environments: string[], history: EnvironmentHistory, request: RollbackTarget): RollbackPlan {
  const { environment } = request;
  if (!environments.includes(environment)) {
    throw new Failure(`unknown environment "${environment}"`, {
      details: [environments.length > 0 ? `known environments: ${environments.join(', ')}` : 'no environments are configured'],
      hint: 'roll back one of the environments in the configuration\'s "environments"',
    });
  }
  const from = history.live;
  if (!from) {
    throw new Failure(`nothing runs in ${environment}: there is no release to roll back`, {
      details: ranThere(history),
      hint: `a rollback replaces the release that runs in ${environment}; deploy one first (slipway run, slipway approve)`,
    });
  }
  const usable = history.stable.filter((release) => release.tag !== from.tag && !history.withdrawals[release.tag]);
  if (request.to === undefined) {
    const to = usable.find((release) => isNewer(from, release));
    if (!to) {
      throw new Failure(`no release before ${from.tag} was stable in ${environment}: there is nothing to roll back to`, {
        details: ranThere(history),
        hint: `fix ${from.tag} with a newer release instead, or name a release with --to`,
      });
    }
    return { environment, from, to };
  }
  const named = request.to;
  const candidates = usable.length > 0 ? `releases stable in ${environment}: ${usable.map((release) => release.tag).join(', ')}` : '';
  if (named === from.tag) {
    throw new Failure(`${named} is what runs in ${environment} now: rolling back to it changes nothing`, {
      details: [candidates || `no other release was stable in ${environment}`],
      hint: `name an earlier release that was stable in ${environment} with --to, or leave --to out for the one before ${from.tag}`,
    });
  }
  if (!history.requested) {
    throw new Failure(`unknown release ${named}`, {
      details: [candidates || `no other release was stable in ${environment}`],
      hint: 'name a release by its tag (e.g. v1.2.0), one that was stable in the environment',
    });
  }
  const withdrawal = history.withdrawals[named];
  if (withdrawal) {
    throw new Failure(`${named} was itself rolled back in ${withdrawal.environment} by ${withdrawal.by}: ${withdrawal.reason}`, {
      details: [candidates || `no other release was stable in ${environment}`],
      hint: 'a rolled-back release never goes back in: name another release with --to',
    });
  }
  if (!usable.some((release) => release.tag === named)) {
    const record = history.records.find((candidate) => candidate.release === named);
    throw new Failure(`${named} was never stable in ${environment}: ${record ? `it is ${record.status} there` : 'it never ran there'}`, {
      details: [candidates || `no other release was stable in ${environment}`],
      hint: 'a rollback only puts back a release that proved stable in that environment',
    });
  }
  return { environment, from, to: history.requested };
}

/** The releases an environment ran, newest first, with where each stands there. */
function ranThere(history: EnvironmentHistory): string[] {
  if (history.records.length === 0) return [`no release was ever deployed to ${history.environment}`];
  return [
    `releases in ${history.environment}: ${history.records
      .map((record) => `${record.release} (${history.withdrawals[record.release] ? 'rolled back' : record.status})`)
      .join(', ')}`,
  ];
}
