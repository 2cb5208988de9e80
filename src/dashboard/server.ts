import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Home } from '../shared/home.ts';
import type { Redactor } from '../shared/redactor.ts';
import type { RunStore } from '../shared/state/run-store.ts';
import { authorized, isLoopback } from './auth.ts';
import { streamRun } from './events.ts';
import type { ApiError } from './model.ts';
import { DashboardReader } from './reader.ts';
import { apiRoutes, isTextType, type Answer } from './routes.ts';

export interface DashboardApiOptions {
  home: Home;
  /** The run store `slipway serve` already has open; the API only reads it. */
  store: RunStore;
  /** Every answer goes through it: what `slipway serve` knows to be secret, and each repository's secrets. */
  redactor: Redactor;
  /** Checked by `accessFor` before: loopback, or any address with a token. */
  host: string;
  /** Defaults to a free port. */
  port?: number;
  token?: string;
}

export interface DashboardApi {
  url: string;
  close(): Promise<void>;
}

/** Event streams and slow clients are the only long connections; this many is plenty for a team. */
const maxConnections = 64;

/**
 * The dashboard's read-only JSON API on its own listener, beside the webhook receiver: it may bind
 * off loopback (with a token) while the receiver stays on it, and its limits are not a sender's.
 */
export function startDashboardApi(opts: DashboardApiOptions): Promise<DashboardApi> {
  const reader = new DashboardReader(opts.home, opts.store, opts.redactor);
  const route = apiRoutes(reader);
  const streams = new Set<AbortController>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const refused = refusal(request, opts.token);
    if (refused) return sendJson(response, refused.status, refused.body, refused.headers);
    if (request.method !== 'GET')
      return sendJson(response, 405, { error: 'method', message: 'The API is read-only: GET only.' }, { allow: 'GET' });
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const answer = await route(url.pathname, url.searchParams);
    return send(response, answer);
  };

  const send = async (response: ServerResponse, answer: Answer): Promise<void> => {
    if (answer.kind === 'json') return sendJson(response, answer.status, answer.body);
    if (answer.kind === 'file') {
      const bytes = await readFile(answer.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!bytes) return sendJson(response, 404, { error: 'not-found', message: 'The file is no longer in the home.' });
      const body = isTextType(answer.contentType) ? opts.redactor.redact(bytes.toString('utf8')) : bytes;
      response.writeHead(200, { ...commonHeaders, 'content-type': answer.contentType }).end(body);
      return;
    }
    const stop = new AbortController();
    streams.add(stop);
    // The client went away (or the response ended): stop reading the store for it.
    response.once('close', () => stop.abort());
    response.writeHead(200, { ...commonHeaders, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    try {
      await streamRun(
        () => reader.run(answer.runId),
        (event, data) => response.write(`event: ${event}\ndata: ${opts.redactor.redact(JSON.stringify(data))}\n\n`),
        stop.signal,
      );
    } finally {
      streams.delete(stop);
      response.end();
    }
  };

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (response.headersSent) return void response.end();
    response
      .writeHead(status, { ...commonHeaders, ...headers, 'content-type': 'application/json' })
      .end(opts.redactor.redact(JSON.stringify(body)));
  };

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      process.stderr.write(
        `dashboard API: ${request.method} ${request.url} failed: ${opts.redactor.redact(String((error as Error)?.stack ?? error))}\n`,
      );
      sendJson(response, 500, {
        error: 'internal',
        message: 'The request could not be answered; see the slipway serve log.',
      } satisfies ApiError);
    });
  });
  server.maxConnections = maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}/api/v1`,
        close: async () => {
          for (const stream of streams) stream.abort();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}

const commonHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * Why a request is refused before it is read: without the token when one is set; and without one,
 * a Host that is not a loopback name, which is how a web page that rebound its own name to
 * 127.0.0.1 would reach a loopback API from the user's browser.
 */
function refusal(
  request: IncomingMessage,
  token: string | undefined,
): { status: number; body: ApiError; headers?: Record<string, string> } | undefined {
  if (token !== undefined) {
    if (authorized(request.headers.authorization, token)) return undefined;
    return {
      status: 401,
      body: { error: 'unauthorized', message: 'This API needs "Authorization: Bearer <SLIPWAY_DASHBOARD_TOKEN>".' },
      headers: { 'www-authenticate': 'Bearer realm="slipway"' },
    };
  }
  const hostname = hostnameOf(request.headers.host);
  if (hostname !== undefined && isLoopback(hostname)) return undefined;
  return {
    status: 400,
    body: {
      error: 'bad-request',
      message: `Host ${JSON.stringify(request.headers.host ?? null)} is not a loopback name; this API answers 127.0.0.1, [::1] or localhost.`,
    },
  };
}

function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}
