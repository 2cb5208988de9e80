import { describe, expect, it } from 'vitest';
import { FailFast } from './fail-fast.ts';

/** A task that ends only when its signal is aborted, as a stopped process does: with a non-zero code. */
const untilStopped = (signal: AbortSignal) =>
  new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(143), { once: true }));
const failed = (code: number) => code !== 0;

describe('FailFast', () => {
  it('stops the running tasks at the first failure, starts none after, and takes none of their ends as a result', async () => {
    const stopping = new FailFast(true);
    const slow = stopping.run('slow', untilStopped, failed);
    const broken = stopping.run('broken', async () => 1, failed);
    expect(await broken).toBe(1);
    expect(await slow).toBeUndefined();
    let started = false;
    expect(
      await stopping.run(
        'later',
        async () => {
          started = true;
          return 0;
        },
        failed,
      ),
    ).toBeUndefined();
    expect(started).toBe(false);
    expect(stopping.stopped).toEqual(['slow', 'later']);
  });

  it('does not take a task that throws once stopped as a failure of its own', async () => {
    const stopping = new FailFast(true);
    const killed = stopping.run(
      'killed',
      (signal) => untilStopped(signal).then(() => Promise.reject(new Error('script was killed'))),
      failed,
    );
    await stopping.run('broken', async () => 2, failed);
    expect(await killed).toBeUndefined();
    expect(stopping.stopped).toEqual(['killed']);
  });

  it('lets every task run when not failing fast, and passes on an error it did not cause', async () => {
    const stopping = new FailFast(false);
    expect(await stopping.run('broken', async () => 1, failed)).toBe(1);
    expect(await stopping.run('next', async () => 0, failed)).toBe(0);
    expect(stopping.signal.aborted).toBe(false);
    await expect(stopping.run('crash', () => Promise.reject(new Error('cannot start sh')), failed)).rejects.toThrow('cannot start sh');
    expect(stopping.stopped).toEqual([]);
  });

  it('stops everything when the stage itself is stopped, failing fast or not', async () => {
    const stage = new AbortController();
    const stopping = new FailFast(false, stage.signal);
    const running = stopping.run('running', untilStopped, failed);
    stage.abort();
    expect(await running).toBeUndefined();
    expect(await stopping.run('queued', async () => 0, failed)).toBeUndefined();
    expect(stopping.stopped).toEqual(['running', 'queued']);
  });
});
