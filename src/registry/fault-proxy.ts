import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a registry for tests: the first `faults` requests are
 * answered 500 or have their connection reset, the rest are forwarded unchanged (Host included,
 * so the registry's upload locations point back at the proxy).
 */
export async function startFaultProxy(target: string, opts: { faults: number; mode: '500' | 'reset' }): Promise<{ url: string; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (requests.length <= opts.faults) {
      request.resume();
      if (opts.mode === 'reset') request.socket.destroy();
      else response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault' }] }));
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
