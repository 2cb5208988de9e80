/** How much disk Slipway's home takes after the runs, in total and per top-level entry (state.db, cache, runs, ...). */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface HomeSize {
  bytes: number;
  /** Bytes under each top-level entry of the home, largest first. */
  entries: Record<string, number>;
  /** How many runs have a directory under runs/. */
  runDirs: number;
}

async function bytesUnder(path: string): Promise<number> {
  const stats = await lstat(path);
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await bytesUnder(join(path, entry));
  return total;
}

export async function homeSize(home: string): Promise<HomeSize> {
  const sizes: [string, number][] = [];
  for (const entry of await readdir(home)) sizes.push([entry, await bytesUnder(join(home, entry))]);
  sizes.sort((a, b) => b[1] - a[1]);
  const runDirs = await readdir(join(home, 'runs')).then(
    (entries) => entries.length,
    () => 0,
  );
  return { bytes: sizes.reduce((sum, [, bytes]) => sum + bytes, 0), entries: Object.fromEntries(sizes), runDirs };
}
