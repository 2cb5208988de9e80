import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer of the test's choosing (GitHub's 403 with retry-after, a 422 with its errors, ...). */
export interface InjectedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FaultProxyOptions {
  /** How many requests to fault; the rest are forwarded unchanged. */
  faults: number;
  /**
   * '500' and '416' answer that status (416: the registry wants the chunk at another offset) and
   * 'reset' drops the connection, all before the registry sees the request; 'torn' forwards the headers and half the body, then drops both connections, so the
   * registry keeps part of what was sent.
   */
  mode: '500' | '416' | 'reset' | 'torn' | InjectedAnswer;
  /** Which requests may be faulted (default: all), e.g. only the upload's PATCH chunks. */
  match?: (method: string, url: string) => boolean;
  /** Matching requests to let through before the faults start. */
  skip?: number;
}

/**
 * A loopback HTTP proxy in front of a registry for tests: it records every request and faults
 * the chosen ones (Host is forwarded, so the registry's upload locations point back at the proxy).
 */
export async function startFaultProxy(
  target: string,
  opts: FaultProxyOptions,
): Promise<{ url: string; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const upstream = new URL(target);
  let matched = 0;
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const forward = () => {
      const upstreamRequest = http.request(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstreamRequest.on('error', () => response.destroy());
      return upstreamRequest;
    };
    const eligible = opts.match?.(request.method ?? '', request.url ?? '') ?? true;
    const faulted = eligible && ++matched > (opts.skip ?? 0) && matched <= (opts.skip ?? 0) + opts.faults;
    if (!faulted) {
      request.pipe(forward());
      return;
    }
    if (opts.mode === 'torn') return tear(request, forward());
    request.resume();
    if (opts.mode === 'reset') request.socket.destroy();
    else if (typeof opts.mode === 'object')
      response
        .writeHead(opts.mode.status, { 'content-type': 'application/json; charset=utf-8', ...opts.mode.headers })
        .end(JSON.stringify(opts.mode.body ?? {}));
    else
      response
        .writeHead(Number(opts.mode), { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards the first half of the request body, lets the registry store it, then cuts both sides. */
function tear(request: http.IncomingMessage, upstream: http.ClientRequest): void {
  const half = Math.floor(Number(request.headers['content-length'] ?? 0) / 2);
  let sent = 0;
  const cut = () => {
    setTimeout(() => {
      upstream.destroy();
      request.socket.destroy();
    }, 100);
  };
  if (half === 0) return cut();
  request.on('data', (chunk: Buffer) => {
    if (sent >= half) return;
    const part = chunk.subarray(0, half - sent);
    sent += part.length;
    if (sent < half) upstream.write(part);
    else upstream.write(part, cut);
  });
}
