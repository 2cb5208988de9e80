import type { ReleaseManifest } from '../release/manifest.ts';
import type { EventSkipped } from '../release/forge/webhooks/receiver.ts';
import type { DeliveryPayload } from '../release/forge/webhooks/signature.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunRecord, RunStore } from '../shared/state/run-store.ts';
import { claimReleaseHalf } from './run-leases.ts';

export interface ReleaseDeliveryOptions {
  store: RunStore;
  /** The run that made the release, or why there is none to carry on. */
  runOf(manifest: ReleaseManifest): RunRecord | string;
  /** The release half of that run: integration through publish. */
  releaseHalf(run: RunRecord): Promise<Feedback[]>;
  /** Told of each half this handler starts. */
  started?(half: Promise<Feedback[]>): void;
}

/**
 * What a verified webhook starts, for both receivers (the one `slipway run` opens for itself,
 * and `slipway serve`): a `release` `created` event starts the release half of the run that made
 * the release, unless a delivery before it (another id, another receiver) already did.
 */
export function releaseDeliveryHandler(opts: ReleaseDeliveryOptions) {
  return (event: string, payload: DeliveryPayload): Promise<void> | EventSkipped => {
    if (event !== 'release' || payload.action !== 'created') {
      const action = typeof payload.action === 'string' ? ` with action "${payload.action}"` : '';
      return ignored(`only a "release" event with action "created" starts work; this is a "${event}" event${action}`);
    }
    const manifest = manifestOf(payload);
    if (!manifest) return ignored('the release event carries no release manifest (slipway.manifest with a tag and a commit)');
    const run = opts.runOf(manifest);
    if (typeof run === 'string') return ignored(run);
    const claim = claimReleaseHalf(opts.store, run, manifest.tag);
    if ('skipped' in claim) return claim;
    const half = claim.run(() => opts.releaseHalf(run));
    opts.started?.(half);
    return half.then(() => undefined);
  };
}

function manifestOf(payload: DeliveryPayload): ReleaseManifest | undefined {
  const manifest = (payload.slipway as { manifest?: Partial<ReleaseManifest> } | undefined)?.manifest;
  const complete = typeof manifest?.tag === 'string' && manifest.tag !== '' && typeof manifest.commit === 'string';
  return complete ? (manifest as ReleaseManifest) : undefined;
}

function ignored(message: string): EventSkipped {
  return { skipped: 'ignored', message: `Nothing to do: ${message}.` };
}
