import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from './body.ts';

/** A body of `total` bytes in 64 KiB chunks, counting how many bytes the reader made it produce. */
function countedBody(total: number) {
  const chunk = 64 * 1024;
  const counter = { produced: 0 };
  const stream = new Readable({
    read() {
      if (counter.produced >= total) return void this.push(null);
      const size = Math.min(chunk, total - counter.produced);
      counter.produced += size;
      this.push(Buffer.alloc(size, 0x61));
    },
  });
  return { stream, counter };
}

describe('readBoundedBody', () => {
  it('returns a body within the limit whole, as text', async () => {
    const { stream } = countedBody(300_000);
    expect((await readBoundedBody(stream, 300_000))?.length).toBe(300_000);
    expect(await readBoundedBody(Readable.from([Buffer.from('{"a":'), Buffer.from('"é"}')]), 1024)).toBe('{"a":"é"}');
  });

  it('gives up on a 4.9 MB body at a 1 MiB limit, having pulled little more than the limit', async () => {
    const { stream, counter } = countedBody(4_900_000);
    expect(await readBoundedBody(stream, 1024 * 1024)).toBeUndefined();
    // Give the stream every chance to go on reading: it is paused and no one asks for more.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // The limit, the chunk that crossed it, and the stream's own read-ahead (16 KiB) at most.
    expect(counter.produced).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024 + 16 * 1024 + 64 * 1024);
    expect(stream.isPaused()).toBe(true);
  });

  it('passes on the error of a body cut off before its end', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('{"action"'));
    const reading = readBoundedBody(stream, 1024);
    stream.destroy(new Error('aborted'));
    await expect(reading).rejects.toThrow('aborted');
  });

  it('treats a body that closes without ending as cut off', async () => {
    const stream = new Readable({ read() {}, emitClose: true });
    const reading = readBoundedBody(stream, 1024);
    stream.destroy();
    await expect(reading).rejects.toThrow('the connection closed before the body ended');
  });
});
