import type { Readable } from 'node:stream';

/**
 * A request body as text, read only up to `maxBytes`: undefined as soon as it runs over, with the
 * stream paused, so the rest is never pulled and the connection can still carry an answer. The
 * Content-Length can be absent (chunked) or lie, so the count is of the bytes that came.
 */
export async function readBoundedBody(body: Readable, maxBytes: number): Promise<string | undefined> {
  return (await readBoundedBytes(body, maxBytes))?.toString('utf8');
}

/** The same, as bytes (an uploaded file). */
export function readBoundedBytes(body: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      body.pause();
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onError(new Error('the connection closed before the body ended'));
    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
