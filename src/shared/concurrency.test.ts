import { describe, expect, it } from 'vitest';
import { limiter, mapConcurrent } from './concurrency.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrent', () => {
  it('keeps the input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await mapConcurrent(
      [30, 10, 20, 5],
      async (ms) => {
        most = Math.max(most, ++inFlight);
        await tick(ms);
        inFlight--;
        return ms * 2;
      },
      2,
    );
    expect(result).toEqual([60, 20, 40, 10]);
    expect(most).toBe(2);
  });
});

describe('limiter', () => {
  it('lets `limit` calls run at once, starts the others in order, and frees a slot on failure', async () => {
    const gate = limiter(2);
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const call = (id: number, fail = false) =>
      gate(async () => {
        started.push(id);
        most = Math.max(most, ++inFlight);
        await tick(10);
        inFlight--;
        if (fail) throw new Error(`call ${id} failed`);
        return id;
      });
    const results = await Promise.allSettled([call(1, true), call(2), call(3), call(4)]);
    expect(most).toBe(2);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
