import { isNewer, isPrerelease } from './order.ts';
import type { EnvironmentGate, PromotionView, Withdrawal } from './types.ts';

export type PromotionStep =
  | { kind: 'deploy'; environment: string }
  | { kind: 'await-approval'; environment: string; command: string }
  | { kind: 'blocked'; environment: string; reason: string }
  | { kind: 'superseded'; environment: string; by: string }
  | { kind: 'stable-only'; environment: string; reason: string }
  | { kind: 'done' };

export interface PlanOptions {
  /**
   * Deploy again where the release failed or was rolled back, instead of reporting it blocked:
   * for a run that is started or resumed on purpose, never for the next step after a failure.
   */
  retryFailed?: boolean;
}

/**
 * What happens next to a release, walking the environments in order: the first one where it is
 * not stable yet decides. Pure: everything it reads is in the view.
 */
export function planPromotion(environments: EnvironmentGate[], view: PromotionView, options: PlanOptions = {}): PromotionStep {
  const tag = view.release.tag;
  for (const [index, { name: environment, gate, stableOnly }] of environments.entries()) {
    const state = view.environments[environment] ?? {};
    const status = state.record?.status;
    if (status === 'stable') continue;
    if (view.withdrawal) return { kind: 'blocked', environment, reason: withdrawnReason(view.withdrawal) };
    if (stableOnly && isPrerelease(view.release.version)) {
      return { kind: 'stable-only', environment, reason: `${tag} is a prerelease, and ${environment} takes stable releases only` };
    }
    if (status === 'superseded') return { kind: 'superseded', environment, by: state.record!.supersededBy! };
    // A deploy under way finishes unless a newer release already runs here; one still waiting
    // gives way to any newer release that wants this environment.
    const inProgress = status === 'deploying' || status === 'live';
    const newer = inProgress ? state.live : state.newestOther;
    if (newer && isNewer(newer, view.release)) return { kind: 'superseded', environment, by: newer.tag };
    if ((status === 'failed' || status === 'rolled-back') && !options.retryFailed) {
      const what = status === 'failed' ? 'failed in' : 'was rolled back in';
      return { kind: 'blocked', environment, reason: `${tag} ${what} ${environment}: ${state.record!.detail}` };
    }
    if (inProgress) return { kind: 'deploy', environment };
    if (index > 0) {
      const previous = environments[index - 1].name;
      const running = view.environments[previous]?.live?.tag;
      if (running !== tag) {
        const reason = running ? `${previous} now runs ${running}, not ${tag}` : `${previous} runs no release now, not ${tag}`;
        return { kind: 'blocked', environment, reason };
      }
    }
    if (gate === 'manual' && !state.approval) return { kind: 'await-approval', environment, command: approveCommand(environment, tag) };
    return { kind: 'deploy', environment };
  }
  return { kind: 'done' };
}

/** The command that lets a release through an environment's manual gate. */
export function approveCommand(environment: string, tag: string): string {
  return `slipway approve ${environment} ${tag}`;
}

/** Why a rolled-back release goes nowhere again, and what to do instead. */
export function withdrawnReason(withdrawal: Withdrawal): string {
  const { release, environment, by, reason, replacedBy } = withdrawal;
  return `${release} was rolled back in ${environment} by ${by} (to ${replacedBy}): ${reason}; release a fix as a newer release`;
}
