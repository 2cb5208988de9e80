import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBoundedBody } from './body.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { rejectionStatus, verifyDelivery, type DeliveryPayload } from './signature.ts';

/** What a receiver lets one sender cost it: the body it holds, the connections, and the time. */
export interface ReceiverLimits {
  /** The largest body read (GitHub sends at most 25 MB; a release event needs a few kB). */
  maxBodyBytes: number;
  /** Connections served at once; one more is closed as it arrives. */
  maxConnections: number;
  /** Time for a request's headers to arrive, counted from its first byte. */
  headersTimeoutMs: number;
  /** Time for a whole request, body included, to arrive. */
  requestTimeoutMs: number;
}

/** At most maxConnections × maxBodyBytes (32 MiB) is ever held for bodies. */
export const defaultReceiverLimits: ReceiverLimits = {
  maxBodyBytes: 1024 * 1024,
  maxConnections: 32,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** Why a verified delivery starts nothing; it is answered 200 with the message. */
export interface EventSkipped {
  skipped: 'ignored' | 'already-running' | 'already-finished';
  message: string;
}

export interface WebhookReceiverOptions {
  /** Defaults to a free port; the receiver listens on 127.0.0.1 only. */
  port?: number;
  /** The secret deliveries are signed with, then any previous one still accepted during a rotation. */
  secrets: readonly [string, ...string[]];
  seen: DeliveryLog;
  /**
   * Called for a verified delivery before it is answered: returns the work it starts (answered
   * 202; the sender does not wait for it) or why it starts none (answered 200). What it decides
   * synchronously, such as taking a lease, is decided before the next delivery is looked at.
   */
  onEvent: (event: string, payload: DeliveryPayload, deliveryId: string) => Promise<void> | EventSkipped;
  /** Called when the started work fails: the sender has had its 202 already. Defaults to stderr. */
  onError?: (error: unknown, deliveryId: string) => void;
  limits?: Partial<ReceiverLimits>;
}

export interface WebhookReceiver {
  url: string;
  /** Stops accepting deliveries and waits for the events being handled to finish. */
  close(): Promise<void>;
}

/**
 * An HTTP endpoint for signed deliveries. It answers as soon as a delivery is verified, its
 * handling decided and its id recorded, then runs the work: the sender never waits for it, and
 * a duplicate delivery is refused (409) instead of processed twice. A sender gets no more than
 * the limits: a body over the size is refused from its Content-Length or cut while it streams,
 * slow headers or bodies time out (408), and connections over the cap are closed on arrival.
 */
export function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const limits = { ...defaultReceiverLimits, ...opts.limits };
  const handling = new Set<Promise<void>>();
  const onError =
    opts.onError ??
    ((error, deliveryId) => process.stderr.write(`webhook delivery ${deliveryId} failed: ${(error as Error)?.message ?? String(error)}\n`));
  const tooLarge = { error: 'too-large', message: `The body exceeds ${limits.maxBodyBytes} bytes, the most this receiver reads.` };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST') return answer(response, 405, { error: 'method', message: 'Deliveries are POSTed.' });
    if (Number(request.headers['content-length']) > limits.maxBodyBytes) return refuse(request, response, 413, tooLarge);
    const body = await readBoundedBody(request, limits.maxBodyBytes);
    if (body === undefined) return refuse(request, response, 413, tooLarge);
    const verdict = await verifyDelivery({ secrets: opts.secrets, headers: request.headers, body });
    if (!verdict.ok) return answer(response, rejectionStatus[verdict.reason], { error: verdict.reason, message: verdict.message });
    // From here to recording the id is one synchronous step, so a concurrent duplicate cannot slip
    // through; a delivery whose handling threw is answered 500 and not recorded, so a retry is processed.
    if (opts.seen.has(verdict.deliveryId)) {
      return answer(response, rejectionStatus.replayed, {
        error: 'replayed',
        message: `Delivery ${verdict.deliveryId} was already received; it is processed once.`,
      });
    }
    const event = String(request.headers['x-github-event']);
    const outcome = opts.onEvent(event, verdict.payload, verdict.deliveryId);
    opts.seen.add(verdict.deliveryId);
    if (!(outcome instanceof Promise))
      return answer(response, 200, { delivery: verdict.deliveryId, status: outcome.skipped, message: outcome.message });
    answer(response, 202, { accepted: verdict.deliveryId });
    const work = outcome.catch((error: unknown) => onError(error, verdict.deliveryId));
    handling.add(work);
    void work.finally(() => handling.delete(work));
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for timed-out requests this often (30 s by default, longer than the timeouts).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
    },
    (request, response) => {
      handle(request, response).catch(() =>
        answer(response, 500, { error: 'internal', message: 'The delivery could not be read or handled; send it again.' }),
      );
    },
  );
  server.maxConnections = limits.maxConnections;
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

/** Answers, then closes the connection without reading what is left of the body. */
function refuse(request: IncomingMessage, response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return void request.socket.destroy();
  response.shouldKeepAlive = false;
  response.on('finish', () => request.socket.destroy());
  answer(response, status, body);
}

function answer(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
