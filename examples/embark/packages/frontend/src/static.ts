import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function contentTypeOf(path: string): string {
  return contentTypes[extname(path)] ?? 'application/octet-stream';
}

/** The file under `root` a URL asks for (never outside it), or undefined for a malformed URL. */
export function assetPath(root: string, url: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return undefined; // malformed percent-encoding
  }
  // Normalizing an absolute path resolves every "..", so the result stays under root.
  return join(root, normalize(pathname === '/' ? '/index.html' : pathname));
}

/** Serves the built page from `root`, plus GET /healthz for the liveness probe. */
export function createStaticServer(root: string): Server {
  return createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const path = assetPath(root, request.url ?? '/');
    const content = path ? await readFile(path).catch(() => undefined) : undefined;
    if (!path || !content) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': contentTypeOf(path), 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : content);
  });
}
