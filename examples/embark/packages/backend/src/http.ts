import { createServer, type IncomingMessage, type Server } from 'node:http';
import { handleRequest, type NotesBackend } from './app.js';

/** Request bodies larger than this are refused: notes are small. */
export const maxBodyBytes = 64 * 1024;

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep draining (so the client reads the 413) but stop collecting.
      if (size > maxBodyBytes) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The node:http adapter: turns requests into `handleRequest` calls and replies into JSON. */
export function createHttpServer(backend: NotesBackend): Server {
  return createServer(async (request, response) => {
    let body: string;
    try {
      body = await readBody(request);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) return;
      response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ error: `the body must be at most ${maxBodyBytes} bytes` }));
      return;
    }
    const reply = await handleRequest({ method: request.method ?? 'GET', url: request.url ?? '/', body }, backend);
    response.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(reply.body));
  });
}
