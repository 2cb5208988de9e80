/**
 * A loopback HTTP proxy in front of the registry that counts the bytes each way. Both tools push
 * through it, so "bytes uploaded" is measured the same way for both: request bodies on the wire.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Traffic {
  /** Request body bytes (blob uploads, manifests). */
  uploaded: number;
  /** Response body bytes (pulled blobs, manifests read back). */
  downloaded: number;
  requests: number;
}

export interface CountingProxy {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** "127.0.0.1:PORT": the registry name both tools push to. */
  host: string;
  /** The traffic since the previous call, then starts counting from zero. */
  take(): Traffic;
  stop(): Promise<void>;
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const agent = new http.Agent({ keepAlive: true });
  let traffic: Traffic = { uploaded: 0, downloaded: 0, requests: 0 };

  const server = http.createServer((request, response) => {
    traffic.requests++;
    request.on('data', (chunk: Buffer) => (traffic.uploaded += chunk.length));
    // The Host header goes through unchanged: the registry writes upload Locations with it,
    // so the follow-up PATCH and PUT requests come back through the proxy too.
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => (traffic.downloaded += chunk.length));
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502);
      response.end(String(error));
    });
    request.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    take() {
      const taken = traffic;
      traffic = { uploaded: 0, downloaded: 0, requests: 0 };
      return taken;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
