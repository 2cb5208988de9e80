import type { Home } from '../shared/home.ts';
import { RunStore } from '../shared/state/run-store.ts';

/**
 * The repository whose run created a release (the given tag, or the newest release without one),
 * so `slipway approve` and `slipway rollback` work from where the runs' home is.
 */
export function repositoryOf(home: Home, tag?: string): string | undefined {
  const store = new RunStore(home.stateDb);
  try {
    const created = store.listRuns(200).find((run) => {
      const created = (store.stage(run.id, 'release')?.outputs as { manifest?: { tag?: string } } | undefined)?.manifest?.tag;
      return created !== undefined && (tag === undefined || created === tag);
    });
    return created?.repoDir;
  } finally {
    store.close();
  }
}
