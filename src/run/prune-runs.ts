import { rm } from 'node:fs/promises';
import type { Home } from '../shared/home.ts';
import type { RunStore } from '../shared/state/run-store.ts';

/** How many runs a home keeps: `slipway runs` shows 20, and 200 is months of a busy repository's history. */
export const keptRuns = 200;

/**
 * Deletes the runs beyond the newest `keep`, in the store and their directories, as each run ends,
 * so a home does not grow without bound. `protect` stays however old: the run the checks memo
 * replays from (see RunStore.pruneRuns for the others that stay).
 */
export async function pruneRuns(store: RunStore, home: Home, protect: (number | undefined)[], keep = keptRuns): Promise<number[]> {
  const pruned = store.pruneRuns(
    keep,
    protect.filter((id) => id !== undefined),
  );
  await Promise.all(pruned.map((id) => rm(home.runDir(id), { recursive: true, force: true })));
  return pruned;
}
