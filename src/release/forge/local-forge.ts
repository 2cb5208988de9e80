import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import type { ReleaseManifest } from '../manifest.ts';
import { writeFileAtomic } from '../../shared/fs.ts';
import { defaultRetryPolicy, DeliveryFailure, displayUrl, sendDelivery, type RetryPolicy } from './webhooks/sender.ts';
import { releaseEventPayload, type Release, type ReleaseAction } from './release.ts';
import { readStateFile } from '../../shared/json-files.ts';

export interface Webhook {
  url: string;
  secret: string;
}

/** One webhook's delivery of one event, as recorded (the URL without any password). */
export interface DeliveryRecord {
  action: ReleaseAction;
  url: string;
  deliveryId: string;
  delivered: boolean;
  attempts: number;
  lastError?: string;
}

interface StoredEvent {
  action: ReleaseAction;
  /** The payload as sent: a redelivery sends the release as it was when the event happened. */
  body: string;
  /** Keyed by webhook URL (without password). */
  deliveries: Record<string, { deliveryId: string; delivered: boolean; attempts: number; lastError?: string }>;
}

interface ForgeState {
  nextId: number;
  releases: { release: Release; events: StoredEvent[] }[];
}

/**
 * A stand-in for GitHub releases: releases kept in one JSON file under `dir`, replaced
 * atomically, and `release` events delivered signed to each webhook. A release is saved before
 * its event is sent, so a failed delivery never loses the release; redeliver() completes it.
 * Operations on one instance run one at a time; one directory serves one process at a time.
 */
export class LocalForge {
  private readonly statePath: string;
  private readonly webhooks: Webhook[];
  private readonly retry: RetryPolicy;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: { dir: string; webhooks: Webhook[]; retry?: Partial<RetryPolicy> }) {
    this.statePath = join(opts.dir, 'releases.json');
    this.webhooks = opts.webhooks;
    this.retry = { ...defaultRetryPolicy, ...opts.retry };
  }

  /**
   * Creates a draft release and delivers `release` action `created`. Idempotent per tag: for an
   * existing tag it returns the release as stored and delivers nothing (redeliver() does that).
   */
  createDraftRelease(input: { tag: string; name: string; body: string; commit: string; manifest: ReleaseManifest }): Promise<Release> {
    return this.serially(async () => {
      const state = await this.load();
      const existing = state.releases.find((entry) => entry.release.tag === input.tag);
      if (existing) {
        if (existing.release.commit !== input.commit) {
          throw new Failure(`Release ${input.tag} already exists for commit ${existing.release.commit}, not ${input.commit}`, {
            hint: 'A tag names one commit: bump the version to release another commit.',
          });
        }
        return existing.release;
      }
      const release: Release = { id: state.nextId, ...input, draft: true, createdAt: new Date().toISOString() };
      state.nextId += 1;
      state.releases.push({ release, events: [newEvent('created', release)] });
      await this.save(state);
      await this.deliverPending(state, input.tag);
      return release;
    });
  }

  /** Publishes a draft and delivers `release` action `published`. Publishing again changes nothing. */
  publishRelease(tag: string): Promise<Release> {
    return this.serially(async () => {
      const state = await this.load();
      const entry = findOrFail(state, tag);
      if (!entry.release.draft) return entry.release;
      entry.release = { ...entry.release, draft: false, publishedAt: new Date().toISOString() };
      entry.events.push(newEvent('published', entry.release));
      await this.save(state);
      await this.deliverPending(state, tag);
      return entry.release;
    });
  }

  getRelease(tag: string): Promise<Release | undefined> {
    return this.serially(async () => (await this.load()).releases.find((entry) => entry.release.tag === tag)?.release);
  }

  /** Newest first, as GitHub lists them. */
  listReleases(): Promise<Release[]> {
    return this.serially(async () => (await this.load()).releases.map((entry) => entry.release).reverse());
  }

  /**
   * Delivers every event of the release that a configured webhook has not yet acknowledged, under
   * its original delivery id; already delivered ones are skipped. Throws a Failure if any fails.
   */
  redeliver(tag: string): Promise<DeliveryRecord[]> {
    return this.serially(async () => {
      const state = await this.load();
      findOrFail(state, tag);
      await this.deliverPending(state, tag);
      return deliveryRecords(findOrFail(state, tag).events);
    });
  }

  /** What was delivered for a release, to whom, and what failed. */
  deliveries(tag: string): Promise<DeliveryRecord[]> {
    return this.serially(async () => deliveryRecords(findOrFail(await this.load(), tag).events));
  }

  /** Sends each pending (event, webhook) pair, saving the outcome of each as it comes. */
  private async deliverPending(state: ForgeState, tag: string): Promise<void> {
    const { events } = findOrFail(state, tag);
    const failures: Failure[] = [];
    for (const event of events) {
      for (const webhook of this.webhooks) {
        const key = displayUrl(webhook.url);
        const record = (event.deliveries[key] ??= { deliveryId: randomUUID(), delivered: false, attempts: 0 });
        if (record.delivered) continue;
        try {
          const outcome = await sendDelivery(
            { url: webhook.url, secret: webhook.secret, event: 'release', deliveryId: record.deliveryId, body: event.body },
            this.retry,
          );
          Object.assign(record, { delivered: true, attempts: record.attempts + outcome.attempts, lastError: undefined });
        } catch (error) {
          if (!(error instanceof DeliveryFailure)) throw error;
          Object.assign(record, { attempts: record.attempts + error.attempts, lastError: error.specific });
          failures.push(error);
        }
        await this.save(state);
      }
    }
    if (failures.length > 0) {
      throw new Failure(
        `Release ${tag} is saved, but ${failures.length} webhook ${failures.length === 1 ? 'delivery' : 'deliveries'} failed`,
        {
          details: failures.flatMap((failure) => [failure.specific, ...failure.details]),
          hint: failures[0].hint ?? `Fix the receiver, then redeliver ${tag}: delivered events are not sent again.`,
        },
      );
    }
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async load(): Promise<ForgeState> {
    const stored = await readStateFile<ForgeState>(
      this.statePath,
      "the local forge's release store",
      'It is only ever replaced whole, so something else wrote it: restore it, or remove it to start with no releases.',
    );
    return stored ?? { nextId: 1, releases: [] };
  }

  private save(state: ForgeState): Promise<void> {
    return writeFileAtomic(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }
}

function newEvent(action: ReleaseAction, release: Release): StoredEvent {
  return { action, body: JSON.stringify(releaseEventPayload(action, release)), deliveries: {} };
}

function findOrFail(state: ForgeState, tag: string): ForgeState['releases'][number] {
  const entry = state.releases.find((candidate) => candidate.release.tag === tag);
  if (!entry) throw new Failure(`The local forge has no release ${tag}`, { hint: 'Create the draft release first.' });
  return entry;
}

function deliveryRecords(events: StoredEvent[]): DeliveryRecord[] {
  return events.flatMap((event) => Object.entries(event.deliveries).map(([url, record]) => ({ action: event.action, url, ...record })));
}
