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
