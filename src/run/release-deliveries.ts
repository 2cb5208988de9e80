import type { EventSkipped } from '../release/forge/webhooks/receiver.ts';
import type { DeliveryPayload } from '../release/forge/webhooks/signature.ts';
import { releaseDispatchEvent } from '../stages/release.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunRecord, RunStore } from '../shared/state/run-store.ts';
import { claimReleaseHalf } from './run-leases.ts';

/** The release an event asks to carry on, as GitHub's payloads name it. */
export interface ReleaseRequest {
  /** "owner/name" of the repository the event came from. */
  repository: string;
  tag: string;
  commit: string;
  /** How it was asked for, for messages: "release created" or "repository_dispatch". */
  via: string;
}

export interface ReleaseDeliveryOptions {
  store: RunStore;
  /** The run that made the release, or why there is none to carry on here. */
  runOf(request: ReleaseRequest): RunRecord | string;
  /** The release half of that run: integration through publish. */
  releaseHalf(run: RunRecord): Promise<Feedback[]>;
  /** Told of each half this handler starts. */
  started?(half: Promise<Feedback[]>): void;
}

/**
 * What a verified delivery starts, for both receivers (the one `slipway run` opens for itself, and
 * `slipway serve`): a `release` event with action `created`, or a `repository_dispatch` of type
 * `slipway-release`, starts the release half of the run that made the release, unless a delivery
 * before it (another id, another receiver, the other event) already did. Every other event is
 * acknowledged and ignored, with the reason.
 */
export function releaseDeliveryHandler(opts: ReleaseDeliveryOptions) {
  return (event: string, payload: DeliveryPayload): Promise<void> | EventSkipped => {
    const request = releaseRequestOf(event, payload);
    if (typeof request === 'string') return ignored(request);
    const run = opts.runOf(request);
    if (typeof run === 'string') return ignored(run);
    const claim = claimReleaseHalf(opts.store, run, request.tag);
    if ('skipped' in claim) return claim;
    const half = claim.run(() => opts.releaseHalf(run));
    opts.started?.(half);
    return half.then(() => undefined);
  };
}

/** The release a GitHub event asks for, or why it asks for none. */
export function releaseRequestOf(event: string, payload: DeliveryPayload): ReleaseRequest | string {
  const repository = (payload.repository as { full_name?: unknown } | undefined)?.full_name;
  if (typeof repository !== 'string') return `the "${event}" event names no repository (repository.full_name)`;
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  if (event === 'release' && action === 'created') {
    const release = payload.release as { tag_name?: unknown; target_commitish?: unknown } | undefined;
    if (typeof release?.tag_name !== 'string') return 'the release event names no release (release.tag_name)';
    const commit = typeof release.target_commitish === 'string' ? release.target_commitish : '';
    if (!isCommit(commit)) return `release ${release.tag_name} targets "${commit}", not a commit: it was not made by Slipway`;
    return { repository, tag: release.tag_name, commit, via: 'release created' };
  }
  if (event === 'repository_dispatch' && action === releaseDispatchEvent) {
    const client = (payload.client_payload ?? {}) as { tag?: unknown; commit?: unknown };
    if (typeof client.tag !== 'string' || typeof client.commit !== 'string' || !isCommit(client.commit)) {
      return `the ${releaseDispatchEvent} dispatch needs client_payload.tag and client_payload.commit (a full commit id)`;
    }
    return { repository, tag: client.tag, commit: client.commit, via: 'repository_dispatch' };
  }
  const described = action ? `"${event}" event with action "${action}"` : `"${event}" event`;
  return `a release half starts on a "release" event with action "created" or a "repository_dispatch" of type "${releaseDispatchEvent}"; this is a ${described}`;
}

function isCommit(value: string): boolean {
  return /^[0-9a-f]{40}$/.test(value);
}

function ignored(message: string): EventSkipped {
  return { skipped: 'ignored', message: `Nothing to do: ${message}.` };
}
