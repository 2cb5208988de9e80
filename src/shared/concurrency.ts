import { availableParallelism } from 'node:os';

/** Maps items with at most `limit` calls in flight, keeping the input order in the result. */
export async function mapConcurrent<T, R>(items: T[], fn: (item: T) => Promise<R>, limit = availableParallelism()): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A gate letting at most `limit` calls run at once; the others wait their turn in order. For work
 * whose cheap part (a cache check) may run widely while the costly part (a process) may not.
 */
export function limiter(limit = availableParallelism()): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
