import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../shared/net.ts';
import { MemoryDeliveryLog } from './delivery-log.ts';
import { startWebhookReceiver, type ReceiverLimits, type WebhookReceiver } from './receiver.ts';
import { signDelivery } from './signature.ts';

// Hostile senders: oversized and never-ending bodies, slow headers, floods of connections, and
// signed payloads of the wrong shape. Each is met by the limit meant for it, and none reaches onEvent.

const secret = 'faults-webhook-secret';
let receiver: WebhookReceiver | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await receiver?.close();
  receiver = undefined;
});

async function start(limits: Partial<ReceiverLimits> = {}) {
  const events: string[] = [];
  receiver = await startWebhookReceiver({
    secrets: [secret],
    seen: new MemoryDeliveryLog(),
    limits,
    onEvent: async (_event, _payload, id) => {
      events.push(id);
    },
  });
  return { port: Number(new URL(receiver.url).port), url: receiver.url, events };
}

/** A raw connection that records what the receiver sends and whether it closed the connection. */
function open(port: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const seen = { text: '', closed: false };
  socket.on('data', (chunk) => (seen.text += chunk.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (seen.closed = true));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, seen, closed };
}

/** The signature header as GitHub computes it: HMAC-SHA256 of the body alone. */
function githubSignature(body: string): { 'x-hub-signature-256': string } {
  return { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
}

function requestHead(body: string, extra: Record<string, string>): string {
  const headers = {
    host: '127.0.0.1',
    'content-type': 'application/json',
    'x-github-event': 'release',
    'x-github-delivery': 'raw-1',
    ...githubSignature(body),
    ...extra,
  };
  return `POST / HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

function status(response: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return match ? Number(match[1]) : undefined;
}

describe('webhook receiver limits', () => {
  it('refuses a Content-Length over the limit with 413 before a byte of the body is sent, and closes the connection', async () => {
    const { port, events } = await start();
    const connection = open(port);
    connection.socket.write(requestHead('', { 'content-length': String(4_900_000) }));
    await connection.closed; // closed by the receiver: this side never ends it
    expect(status(connection.seen.text)).toBe(413);
    expect(connection.seen.text).toContain('"error":"too-large"');
    expect(connection.seen.text).toContain('The body exceeds 1048576 bytes, the most this receiver reads.');
    expect(events).toEqual([]);
  });

  it('takes a signed body at the limit, and refuses one a byte over it', async () => {
    const { url, events } = await start({ maxBodyBytes: 2000 });
    const post = (body: string, id: string) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'ping', 'x-github-delivery': id, ...githubSignature(body) },
      });
    const fits = JSON.stringify({ zen: 'x'.repeat(2000 - 10) });
    expect(Buffer.byteLength(fits)).toBe(2000);
    expect((await post(fits, 'fits')).status).toBe(202);
    const over = JSON.stringify({ zen: 'x'.repeat(2000 - 9) });
    const refused = await post(over, 'over');
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: 'too-large', message: 'The body exceeds 2000 bytes, the most this receiver reads.' });
    await receiver!.close();
    receiver = undefined;
    expect(events).toEqual(['fits']);
  });

  it('cuts a chunked body (no Content-Length) with 413 once it runs over the limit, without reading it to its end', async () => {
    const { port, events } = await start({ maxBodyBytes: 64 * 1024 });
    const connection = open(port);
    connection.socket.write(requestHead('', { 'transfer-encoding': 'chunked' }));
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    // Keep sending for as long as the connection lasts: a body of no stated end.
    while (!connection.seen.closed && sent < 64 * 1024 * 1024) {
      const written = connection.socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`);
      sent += chunk.length;
      if (!written) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await connection.closed;
    expect(status(connection.seen.text)).toBe(413);
    expect(connection.seen.text).toContain('The body exceeds 65536 bytes');
    // It stopped reading: the sender was cut off long before its 64 MiB.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(events).toEqual([]);
  });

  it('cuts off a slow-loris client whose headers never end, with 408', async () => {
    const { port } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const connection = open(port);
    connection.socket.write('POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-github-event: rel');
    // A byte at a time, for as long as the receiver keeps the connection open.
    while (!connection.seen.closed) {
      connection.socket.write('e');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status(connection.seen.text)).toBe(408);
  });

  it('cuts off a body that trickles in, with 408, and never hands it to onEvent', async () => {
    const { port, events } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const body = JSON.stringify({ action: 'created', padding: 'x'.repeat(1000) });
    const connection = open(port);
    connection.socket.write(requestHead(body, { 'content-length': String(body.length) }));
    let sent = 0;
    while (!connection.seen.closed && sent < body.length - 1) {
      connection.socket.write(body[sent++]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await connection.closed;
    expect(sent).toBeLessThan(body.length - 1);
    expect(status(connection.seen.text)).toBe(408);
    expect(events).toEqual([]);
  });

  it('serves no more connections than its cap: of 60 forged 4.9 MB bodies, the rest are closed on arrival, the served ones get 413', async () => {
    const cap = 8;
    const { port, url, events } = await start({ maxConnections: cap, requestTimeoutMs: 120_000, headersTimeoutMs: 60_000 });
    const body = 'x'.repeat(1024);
    const connections = Array.from({ length: 60 }, () => open(port));
    // Each sends its headers and the first kilobyte of a chunked 4.9 MB body, then waits.
    for (const [index, connection] of connections.entries()) {
      connection.socket.write(requestHead('', { 'transfer-encoding': 'chunked', 'x-github-delivery': `flood-${index}` }));
      connection.socket.write(`400\r\n${body}\r\n`);
    }
    const refused = () => connections.filter((connection) => connection.seen.closed);
    const settled = await waitFor(async () => refused().length >= 60 - cap, 60_000, 20);
    expect(settled, `${refused().length} of 60 connections were closed`).toBe(true);
    // The refused were closed unanswered; the served ones are still open, waiting for their bodies.
    expect(refused().every((connection) => connection.seen.text === '')).toBe(true);
    const served = connections.filter((connection) => !connection.seen.closed);
    expect(served).toHaveLength(cap);

    // The served ones send the rest (4.9 MB each): each is cut at the limit with 413.
    const chunk = Buffer.alloc(64 * 1024, 0x61).toString('latin1');
    await Promise.all(
      served.map(async (connection) => {
        for (let sent = 1024; sent < 4_900_000 && !connection.seen.closed; sent += chunk.length) {
          if (!connection.socket.write(`10000\r\n${chunk}\r\n`)) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await connection.closed;
      }),
    );
    expect(served.map((connection) => status(connection.seen.text))).toEqual(Array(cap).fill(413));

    // The flood is over: a valid delivery is served again.
    const valid = JSON.stringify({ action: 'created' });
    const after = await fetch(url, {
      method: 'POST',
      body: valid,
      headers: { 'x-github-event': 'release', 'x-github-delivery': 'after-flood', ...(await signDelivery(secret, valid)) },
    });
    expect(after.status).toBe(202);
    await receiver!.close();
    receiver = undefined;
    expect(events).toEqual(['after-flood']);
  });

  it("does not record a delivery whose handling failed to start, so the sender's retry is processed", async () => {
    let broken = true;
    const started: string[] = [];
    receiver = await startWebhookReceiver({
      secrets: [secret],
      seen: new MemoryDeliveryLog(),
      onEvent: (_event, _payload, id) => {
        if (broken) throw new Error('SqliteError: database is locked');
        started.push(id);
        return Promise.resolve();
      },
    });
    const body = JSON.stringify({ action: 'created' });
    const post = () =>
      fetch(receiver!.url, {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'release', 'x-github-delivery': 'retried', ...githubSignature(body) },
      });
    const failed = await post();
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'internal', message: 'The delivery could not be read or handled; send it again.' });
    broken = false;
    expect((await post()).status).toBe(202);
    expect((await post()).status).toBe(409);
    expect(started).toEqual(['retried']);
  });

  it('answers a signed payload that is not an object with 400 and the reason', async () => {
    const { url, events } = await start();
    for (const [body, kind] of [
      ['null', 'null'],
      ['[]', 'an array'],
      ['7', 'a number'],
    ]) {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'release', 'x-github-delivery': `shape-${kind}`, ...(await signDelivery(secret, body)) },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'malformed',
        message: `The body is JSON but not an object (it is ${kind}): an event's payload is a JSON object.`,
      });
    }
    expect(events).toEqual([]);
  });
});
