import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ProbeResponse } from '../../verify/stability/observe.ts';

/** Enough of a body to read an API server Status; a health page is not worth more. */
const MAX_BODY = 64 * 1024;

/** `/api/v1/namespaces/{ns}/services/{name}:{port}/proxy{path}`: the API server forwards it to one of the Service's pods. */
export function serviceProxyPath(namespace: string, service: string, port: number | string, path: string): string {
  const relative = path.startsWith('/') ? path : `/${path}`;
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`${service}:${port}`)}/proxy${relative}`;
}

/**
 * GETs `path` on the current context's API server with its credentials and TLS settings. Made by
 * hand rather than with `connectGetNamespacedServiceProxyWithPath`, which escapes the slashes of
 * the path, takes no abort signal and throws away the status of anything but a 2xx.
 */
export async function getThroughApiServer(kc: KubeConfig, path: string, signal: AbortSignal): Promise<ProbeResponse> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const url = new URL(`${server.replace(/\/+$/, '')}${path}`);
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<ProbeResponse>((resolve, reject) => {
    const request = client.request(
      url,
      { ...options, method: 'GET', signal, headers: { ...options.headers, accept: '*/*' } },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY) chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          resolve({ status, reason: statusMessage(Buffer.concat(chunks).toString('utf8')) ?? (response.statusMessage || undefined) });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** The message of a Kubernetes Status body: why the API server itself refused or could not proxy. */
function statusMessage(body: string): string | undefined {
  if (!body.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(body) as { kind?: unknown; message?: unknown };
    return parsed.kind === 'Status' && typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
