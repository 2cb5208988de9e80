import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitHubContract } from './contract.ts';

/** One exchange that went through the proxy, with what the contract found wrong in it. */
export interface ProxiedExchange {
  method: string;
  path: string;
  status: number;
  problems: string[];
}

/**
 * A loopback proxy in front of a GitHub-API server that checks every request and answer against
 * GitHub's description, for a whole pipeline run: the run is configured with the proxy as its
 * GitHub `baseUrl`, so its real Octokit traffic is what is checked. Host is forwarded, so the
 * URLs the server hands out (upload_url, asset redirects) lead back through the proxy. Paths
 * outside the API (the asset storage a download redirects to) are forwarded unchecked.
 */
export async function startContractProxy(contract: GitHubContract, target: string) {
  const upstream = new URL(target);
  const exchanges: ProxiedExchange[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const sent = Buffer.concat(chunks);
      const forwarded = http.request(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const received = Buffer.concat(answerChunks);
            const method = request.method ?? 'GET';
            const url = `http://${request.headers.host}${request.url}`;
            const path = new URL(url).pathname;
            if (path.startsWith('/repos/')) {
              const requestBody = sent.length ? (isJson(request.headers['content-type']) ? sent.toString('utf8') : sent) : undefined;
              let problems: string[];
              try {
                problems = [
                  ...contract.checkRequest({ method, url, headers: request.headers, body: requestBody }),
                  ...contract.checkResponse({
                    method,
                    url,
                    status: answer.statusCode ?? 0,
                    headers: answer.headers,
                    body: received.toString('utf8'),
                  }),
                ];
              } catch (error) {
                // A checker that cannot judge an exchange is a problem to report, never a proxy that stops answering.
                problems = [`${method} ${path}: the contract could not be checked: ${(error as Error).message}`];
              }
              exchanges.push({ method, path, status: answer.statusCode ?? 0, problems });
            }
            response.writeHead(answer.statusCode ?? 502, answer.headers).end(received);
          });
        },
      );
      forwarded.on('error', () => response.destroy());
      forwarded.end(sent);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    /** Every problem of every exchange: a test expects none. */
    problems: () => exchanges.flatMap((exchange) => exchange.problems),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/(.+\+)?json/.test(contentType ?? '');
}
