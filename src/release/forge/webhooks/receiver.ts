import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryLog } from './delivery-log.ts';
import { rejectionStatus, verifyDelivery } from './signature.ts';

export interface WebhookReceiverOptions {
  /** Defaults to a free port; the receiver listens on 127.0.0.1 only. */
  port?: number;
  secret: string;
  seen: DeliveryLog;
  onEvent: (event: string, payload: unknown, deliveryId: string) => Promise<void>;
  /** Called when onEvent fails: the sender has had its 202 already. Defaults to stderr. */
  onError?: (error: unknown, deliveryId: string) => void;
  /** How far a delivery's signing time may be from now (default 5 minutes). */
  toleranceMs?: number;
}

export interface WebhookReceiver {
  url: string;
  /** Stops accepting deliveries and waits for the events being handled to finish. */
  close(): Promise<void>;
}

const maxBodyBytes = 5 * 1024 * 1024;

/**
 * An HTTP endpoint for signed deliveries. It answers 202 as soon as a delivery is verified and
 * its id recorded, then runs onEvent: the sender never waits for the work, and a duplicate
 * delivery is refused (409) instead of processed twice.
 */
export function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const handling = new Set<Promise<void>>();
  const onError =
    opts.onError ??
    ((error, deliveryId) => process.stderr.write(`webhook delivery ${deliveryId} failed: ${(error as Error)?.message ?? String(error)}\n`));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST') return answer(response, 405, { error: 'method', message: 'Deliveries are POSTed.' });
    if (Number(request.headers['content-length']) > maxBodyBytes) {
      return answer(response, 413, { error: 'too-large', message: `The body exceeds ${maxBodyBytes} bytes.` });
    }
    const body = await readBody(request);
    if (body === undefined) return; // a chunked body that ran over the limit: the connection is cut
    const verdict = verifyDelivery({
      secret: opts.secret,
      headers: request.headers as Record<string, string | undefined>,
      body,
      now: Date.now(),
      toleranceMs: opts.toleranceMs ?? 5 * 60_000,
      seen: opts.seen,
    });
    if (!verdict.ok) return answer(response, rejectionStatus[verdict.reason], { error: verdict.reason, message: verdict.message });
    answer(response, 202, { accepted: verdict.deliveryId });
    const event = String(request.headers['x-github-event']);
    const work = opts.onEvent(event, verdict.payload, verdict.deliveryId).catch((error: unknown) => onError(error, verdict.deliveryId));
    handling.add(work);
    void work.finally(() => handling.delete(work));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => answer(response, 500, { error: 'internal', message: 'The delivery could not be read.' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await Promise.all(handling);
        },
      });
    });
  });
}

/** The body as text, or undefined (and the connection cut) when it runs over the limit. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) {
      request.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
