import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../shared/net.ts';
import { MemoryDeliveryLog } from './delivery-log.ts';
import { startWebhookReceiver, type WebhookReceiver } from './receiver.ts';
import { DeliveryFailure, sendDelivery } from './sender.ts';
import { signDelivery } from './signature.ts';

const secret = 'round-trip-secret';
const fast = { attempts: 3, backoffMs: 20, timeoutMs: 2_000 };
const body = JSON.stringify({ action: 'created', release: { tag_name: 'v2.0.0' } });

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function start(
  onEvent: (event: string, payload: unknown, id: string) => Promise<void> = async () => {},
  options: { port?: number; onError?: (error: unknown, id: string) => void } = {},
) {
  const events: { event: string; payload: unknown; id: string }[] = [];
  receiver = await startWebhookReceiver({
    secrets: [secret],
    seen: new MemoryDeliveryLog(),
    port: options.port,
    onError: options.onError,
    onEvent: async (event, payload, id) => {
      events.push({ event, payload, id });
      await onEvent(event, payload, id);
    },
  });
  return { url: receiver.url, events };
}

async function post(url: string, headers: Record<string, string>, text = body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('webhook receiver over HTTP', () => {
  it('accepts a signed delivery with 202, runs onEvent once, and refuses its duplicate with 409', async () => {
    const { url, events } = await start();
    const delivery = { url, secret, event: 'release', deliveryId: 'guid-1', body };
    expect(await sendDelivery(delivery, fast)).toEqual({ result: 'accepted', status: 202, attempts: 1 });
    expect(await sendDelivery(delivery, fast)).toEqual({ result: 'duplicate', status: 409, attempts: 1 });
    await receiver!.close();
    receiver = undefined;
    expect(events).toEqual([{ event: 'release', payload: { action: 'created', release: { tag_name: 'v2.0.0' } }, id: 'guid-1' }]);
  });

  it('answers 202 before onEvent finishes, and close() waits for it', async () => {
    let finished = false;
    const { url } = await start(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
    });
    expect((await sendDelivery({ url, secret, event: 'release', deliveryId: 'slow', body }, fast)).status).toBe(202);
    expect(finished).toBe(false);
    await receiver!.close();
    receiver = undefined;
    expect(finished).toBe(true);
  });

  it('reports a failing onEvent to onError, after the sender has its 202', async () => {
    const errors: string[] = [];
    const { url } = await start(
      async () => {
        throw new Error('tests exploded');
      },
      { onError: (error, id) => errors.push(`${id}: ${(error as Error).message}`) },
    );
    expect((await sendDelivery({ url, secret, event: 'release', deliveryId: 'boom', body }, fast)).status).toBe(202);
    await receiver!.close();
    receiver = undefined;
    expect(errors).toEqual(['boom: tests exploded']);
  });

  it('rejects unsigned, forged, timestamp-signed and malformed deliveries with a precise status and message', async () => {
    const { url, events } = await start();
    const base = { 'x-github-event': 'release' };
    expect(await post(url, { ...base, 'x-github-delivery': 'u' })).toEqual({
      status: 401,
      json: { error: 'unsigned', message: 'The delivery is not signed: the X-Hub-Signature-256 header is missing.' },
    });
    expect(await post(url, { ...base, 'x-github-delivery': 'f', ...(await signDelivery('wrong-secret', body)) })).toEqual({
      status: 401,
      json: { error: 'forged', message: 'The signature does not match the body: the delivery was altered or signed with another secret.' },
    });
    // Slipway's old scheme signed `<timestamp>.<body>`; GitHub signs the body alone, so that is refused.
    const timestamp = String(Date.now());
    const timestamped = { 'x-slipway-timestamp': timestamp, ...(await signDelivery(secret, `${timestamp}.${body}`)) };
    expect(await post(url, { ...base, 'x-github-delivery': 's', ...timestamped })).toEqual({
      status: 401,
      json: { error: 'forged', message: 'The signature does not match the body: the delivery was altered or signed with another secret.' },
    });
    const broken = '{"action": "created"';
    const malformed = await post(url, { ...base, 'x-github-delivery': 'm', ...(await signDelivery(secret, broken)) }, broken);
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: 'malformed', message: expect.stringMatching(/^The body is not valid JSON: /) });
    expect((await fetch(url)).status).toBe(405);
    expect(events).toEqual([]);
  });

  it('sender: a refusal is final and says why; the wrong secret gets a hint', async () => {
    const { url } = await start();
    const error = await sendDelivery({ url, secret: 'not-the-secret', event: 'release', deliveryId: 'x', body }, fast).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeliveryFailure);
    expect((error as DeliveryFailure).specific).toBe(`The webhook receiver at ${url} refused the release delivery with 401`);
    expect((error as DeliveryFailure).details).toEqual([
      'delivery x',
      'The signature does not match the body: the delivery was altered or signed with another secret.',
    ]);
    expect((error as DeliveryFailure).hint).toBe('The forge and the receiver must be configured with the same webhook secret.');
    expect((error as DeliveryFailure).attempts).toBe(1);
  });

  it('sender: retries a refused connection until the receiver is up', async () => {
    const port = await freePort();
    const sending = sendDelivery(
      { url: `http://127.0.0.1:${port}/`, secret, event: 'release', deliveryId: 'late', body },
      { attempts: 5, backoffMs: 100, timeoutMs: 2_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const { events } = await start(undefined, { port });
    const outcome = await sending;
    expect(outcome.result).toBe('accepted');
    expect(outcome.attempts).toBeGreaterThan(1);
    await receiver!.close();
    receiver = undefined;
    expect(events.map((event) => event.id)).toEqual(['late']);
  });

  it('sender: gives up after its attempts with the connection error, and never shows a URL password', async () => {
    const port = await freePort();
    const error = (await sendDelivery(
      { url: `http://hook:pa55word@127.0.0.1:${port}/`, secret, event: 'release', deliveryId: 'gone', body },
      fast,
    ).catch((caught: unknown) => caught)) as DeliveryFailure;
    expect(error.specific).toBe(`Webhook delivery to http://hook:***@127.0.0.1:${port}/ failed after 3 attempts: ECONNREFUSED`);
    expect(error.attempts).toBe(3);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('pa55word');
  });
});
