import { userInfo } from 'node:os';
import { Failure } from '../../shared/feedback/failure.ts';
import { isNewer, isPrerelease } from './order.ts';
import { approveCommand } from './plan.ts';
import { environmentGates } from './types.ts';
import type { PromotionStore } from './store.ts';
import type { Approval, Gate, PromotionRecord } from './types.ts';

/**
 * `slipway approve <environment> <release>`: lets a release through a manual gate once it is
 * stable in the environment before. Approving again keeps the first approval and is no error.
 */
export function approve(
  store: PromotionStore,
  environments: Record<string, { gate: Gate; stableOnly?: boolean }>,
  environment: string,
  releaseTag: string,
  by: string = process.env.USER ?? userInfo().username,
): { approval: Approval; alreadyApproved: boolean } {
  const names = Object.keys(environments);
  const index = names.indexOf(environment);
  if (index === -1) {
    throw new Failure(`unknown environment "${environment}"`, {
      details: [names.length > 0 ? `known environments: ${names.join(', ')}` : 'no environments are configured'],
      hint: 'approve one of the environments in the configuration\'s "environments"',
    });
  }
  const previous = index > 0 ? names[index - 1] : undefined;
  if (environments[environment].gate === 'auto') {
    throw new Failure(`${environment} has an automatic gate: there is nothing to approve`, {
      hint: `${releaseTag} enters ${environment} as soon as ${previous ? `it is stable in ${previous}` : 'a run deploys it'}; set gate: 'manual' on ${environment} to require an approval`,
    });
  }
  const view = store.view(releaseTag, names);
  if (!view) {
    const known = store.releases().map((release) => release.tag);
    throw new Failure(`unknown release ${releaseTag}`, {
      details: [known.length > 0 ? `newest releases: ${known.join(', ')}` : 'no release has been recorded yet'],
      hint: 'approve a release that a run created, by its tag (e.g. v1.2.0)',
    });
  }
  if (view.withdrawal) {
    const { environment: where, by, reason, at, replacedBy } = view.withdrawal;
    throw new Failure(`${releaseTag} was rolled back in ${where} by ${by}: ${reason}`, {
      details: [`rolled back at ${at}: ${where} went back to ${replacedBy}`],
      hint: 'a rolled-back release is never promoted again: release the fix as a newer release (merge it to main), then approve that one',
    });
  }
  if (environmentGates(environments)[index].stableOnly && isPrerelease(view.release.version)) {
    throw new Failure(`${releaseTag} is a prerelease, and ${environment} takes stable releases only`, {
      hint: `leave changesets' prerelease mode (\`changeset pre exit\`) and merge: the stable release it makes can be approved for ${environment}; or set environments.${environment}.stableOnly: false`,
    });
  }
  const here = view.environments[environment];
  const newer =
    here.record?.status === 'superseded'
      ? here.record.supersededBy
      : waitingFor(here.record) && here.newestOther && isNewer(here.newestOther, view.release)
        ? here.newestOther.tag
        : undefined;
  if (newer) {
    const runsNewer = here.live?.tag === newer;
    throw new Failure(`${releaseTag} is superseded in ${environment} by ${newer}`, {
      hint: runsNewer
        ? `${environment} already runs ${newer}; an older release never replaces a newer one`
        : `approve the newer release instead: ${approveCommand(environment, newer)}`,
    });
  }
  if (previous) {
    const before = view.environments[previous].record;
    if (before?.status !== 'stable') {
      throw new Failure(`${releaseTag} is not stable in ${previous}: ${whereItIs(before, previous, releaseTag)}`, {
        details: names.map((name) => `${name}: ${view.environments[name].record?.status ?? 'not deployed'}`),
        hint: `approve ${releaseTag} for ${environment} once it is stable in ${previous}`,
      });
    }
  }
  return store.addApproval({ environment, release: releaseTag, by, at: new Date().toISOString() });
}

/** Whether the release has yet to enter the environment (it may still be overtaken there). */
function waitingFor(record: PromotionRecord | undefined): boolean {
  return !record || record.status === 'queued' || record.status === 'awaiting-approval';
}

function whereItIs(record: PromotionRecord | undefined, environment: string, tag: string): string {
  switch (record?.status) {
    case undefined:
      return 'it has not been deployed there';
    case 'queued':
      return 'it is queued to deploy there';
    case 'awaiting-approval':
      return `it awaits approval there (${approveCommand(environment, tag)})`;
    case 'deploying':
      return 'it is deploying there';
    case 'live':
      return 'it is live there; its stability is not judged yet';
    case 'failed':
      return `it failed there: ${record.detail}`;
    case 'rolled-back':
      return `it was rolled back there: ${record.detail}`;
    case 'superseded':
      return `it was superseded there by ${record.supersededBy}`;
    case 'stable':
      return 'it is stable there';
  }
}
