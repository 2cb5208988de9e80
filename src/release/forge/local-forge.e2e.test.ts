import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { freePort } from '../../shared/net.ts';
import { MemoryDeliveryLog } from './webhooks/delivery-log.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhooks/receiver.ts';
import { LocalForge } from './local-forge.ts';
import { sampleManifest } from '../../test-support/release-manifest-fixture.ts';

const secret = 'forge-webhook-secret';
const retry = { attempts: 2, backoffMs: 20, timeoutMs: 2_000 };

interface Received {
  event: string;
  payload: { action: string; release: Record<string, unknown>; slipway: { manifest: unknown } };
  id: string;
}

let dir: string;
let receiver: WebhookReceiver | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-forge-'));
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function startReceiver(port?: number) {
  const received: Received[] = [];
  receiver = await startWebhookReceiver({
    port,
    secret,
    seen: new MemoryDeliveryLog(),
    onEvent: async (event, payload, id) => {
      received.push({ event, payload: payload as Received['payload'], id });
    },
  });
  return { url: receiver.url, received };
}

function draftInput(tag: string, commit = 'abc123') {
  return { tag, name: tag, body: '## Changes\n- backend: faster boot', commit, manifest: sampleManifest(tag, commit) };
}

describe('LocalForge', () => {
  it('delivers a signed "created" event for a draft and "published" on publish, each once', async () => {
    const { url, received } = await startReceiver();
    const forge = new LocalForge({ dir, webhooks: [{ url, secret }], retry });

    const draft = await forge.createDraftRelease(draftInput('v1.5.0'));
    expect(draft).toMatchObject({ id: 1, tag: 'v1.5.0', draft: true, commit: 'abc123' });
    expect(draft.publishedAt).toBeUndefined();
    expect(await forge.createDraftRelease(draftInput('v1.5.0'))).toEqual(draft);

    const published = await forge.publishRelease('v1.5.0');
    expect(published).toMatchObject({ id: 1, draft: false, publishedAt: expect.any(String) });
    expect(await forge.publishRelease('v1.5.0')).toEqual(published);

    await receiver!.close();
    receiver = undefined;
    expect(received.map((delivery) => [delivery.event, delivery.payload.action])).toEqual([
      ['release', 'created'],
      ['release', 'published'],
    ]);
    expect(received[0].payload.release).toEqual({
      id: 1,
      tag_name: 'v1.5.0',
      target_commitish: 'abc123',
      name: 'v1.5.0',
      body: '## Changes\n- backend: faster boot',
      draft: true,
      prerelease: false,
      created_at: draft.createdAt,
      published_at: null,
    });
    expect(received[0].payload.slipway.manifest).toEqual(sampleManifest('v1.5.0'));
    expect(received[1].payload.release).toMatchObject({ draft: false, published_at: published.publishedAt });
    expect(new Set(received.map((delivery) => delivery.id)).size).toBe(2);
    expect(await forge.deliveries('v1.5.0')).toEqual([
      { action: 'created', url, deliveryId: received[0].id, delivered: true, attempts: 1 },
      { action: 'published', url, deliveryId: received[1].id, delivered: true, attempts: 1 },
    ]);
  });

  it('keeps releases on disk for the next instance, lists them newest first, and stores no secret', async () => {
    const { url } = await startReceiver();
    const forge = new LocalForge({ dir, webhooks: [{ url, secret }], retry });
    await forge.createDraftRelease(draftInput('v1.0.0', 'c1'));
    await forge.createDraftRelease(draftInput('v1.1.0', 'c2'));

    const reopened = new LocalForge({ dir, webhooks: [], retry });
    expect((await reopened.listReleases()).map((release) => [release.id, release.tag])).toEqual([
      [2, 'v1.1.0'],
      [1, 'v1.0.0'],
    ]);
    expect((await reopened.getRelease('v1.0.0'))?.commit).toBe('c1');
    expect(await reopened.getRelease('v9.9.9')).toBeUndefined();
    expect(await readFile(join(dir, 'releases.json'), 'utf8')).not.toContain(secret);
  });

  it('refuses to reuse a tag for another commit', async () => {
    const forge = new LocalForge({ dir, webhooks: [], retry });
    await forge.createDraftRelease(draftInput('v1.5.0', 'abc123'));
    const error = await forge.createDraftRelease(draftInput('v1.5.0', 'def456')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe('Release v1.5.0 already exists for commit abc123, not def456');
    expect((error as Failure).hint).toBe('A tag names one commit: bump the version to release another commit.');
  });

  it('keeps the release when the receiver is down, and redeliver() completes the delivery once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const forge = new LocalForge({ dir, webhooks: [{ url, secret }], retry });

    const error = await forge.createDraftRelease(draftInput('v2.0.0')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe('Release v2.0.0 is saved, but 1 webhook delivery failed');
    expect((error as Failure).details[0]).toBe(`Webhook delivery to ${url} failed after 2 attempts: ECONNREFUSED`);
    expect((error as Failure).hint).toBe(
      'Check that the receiver is running, then redeliver: the same delivery id is used, so it is processed once.',
    );
    expect((await forge.getRelease('v2.0.0'))?.draft).toBe(true);
    const [pending] = await forge.deliveries('v2.0.0');
    expect(pending).toMatchObject({
      action: 'created',
      delivered: false,
      attempts: 2,
      lastError: `Webhook delivery to ${url} failed after 2 attempts: ECONNREFUSED`,
    });

    // A rerun of the stage finds the release and does not deliver: redeliver does.
    const { received } = await startReceiver(port);
    await forge.createDraftRelease(draftInput('v2.0.0'));
    expect(received).toEqual([]);
    const records = await forge.redeliver('v2.0.0');
    expect(records).toEqual([{ action: 'created', url, deliveryId: pending.deliveryId, delivered: true, attempts: 3 }]);
    await forge.redeliver('v2.0.0');
    await receiver!.close();
    receiver = undefined;
    expect(received.map((delivery) => delivery.id)).toEqual([pending.deliveryId]);
  });

  it('reports a receiver that refuses the signature, without retrying it', async () => {
    const { url, received } = await startReceiver();
    const forge = new LocalForge({ dir, webhooks: [{ url, secret: 'stale-secret' }], retry });
    const error = (await forge.createDraftRelease(draftInput('v3.0.0')).catch((caught: unknown) => caught)) as Failure;
    expect(error.specific).toBe('Release v3.0.0 is saved, but 1 webhook delivery failed');
    expect(error.details).toEqual([
      `The webhook receiver at ${url} refused the release delivery with 401`,
      expect.stringMatching(/^delivery [0-9a-f-]{36}$/),
      'The signature does not match the body: the delivery was altered or signed with another secret.',
    ]);
    expect(error.hint).toBe('The forge and the receiver must be configured with the same webhook secret.');
    expect((await forge.deliveries('v3.0.0'))[0]).toMatchObject({ delivered: false, attempts: 1 });
    expect(received).toEqual([]);
  });

  it('names the release that does not exist, and a store that is not JSON', async () => {
    const forge = new LocalForge({ dir, webhooks: [], retry });
    await expect(forge.publishRelease('v0.0.1')).rejects.toThrow('The local forge has no release v0.0.1');
    await writeFile(join(dir, 'releases.json'), '{"nextId": 1, "releases": [');
    const error = (await forge.listReleases().catch((caught: unknown) => caught)) as Failure;
    expect(error.specific).toBe(
      `the local forge's release store at ${join(dir, 'releases.json')} is corrupt (Unexpected end of JSON input)`,
    );
    expect(error.hint).toContain('remove it to start with no releases');
  });
});
