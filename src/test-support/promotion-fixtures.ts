import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { promotionStorePath } from '../deploy/promotion/store-path.ts';
import { PromotionStore } from '../deploy/promotion/store.ts';
import type { Home } from '../shared/home.ts';
import type { ReleaseIdentity } from '../deploy/promotion/types.ts';

/** A release created on the given day of March 2026, with one backend image. */
export function releaseOn(tag: string, day: number): ReleaseIdentity {
  const createdAt = `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  return {
    tag,
    version: tag.slice(1),
    commit: `commit-${tag}`,
    createdAt,
    digests: { backend: `sha256:backend-${tag}`, frontend: `sha256:frontend-${tag}` },
  };
}

export const v110 = releaseOn('v1.1.0', 1);
export const v120 = releaseOn('v1.2.0', 2);
export const v130 = releaseOn('v1.3.0', 3);

/** A store in a fresh temp directory, with the three releases recorded; `cleanup` closes and deletes it. */
export function tempStore(): { store: PromotionStore; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-promotion-'));
  const path = join(dir, 'promotion.db');
  const store = new PromotionStore(path);
  for (const release of [v110, v120, v130]) store.recordRelease(release);
  return {
    store,
    path,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Takes the lease and runs a deploy to the end, as the pipeline does. */
export function deployStable(store: PromotionStore, environment: string, tag: string): void {
  const claim = store.claimLease(environment, tag, { pid: process.pid, host: 'test' }, 60_000, () => true);
  if (claim.kind !== 'held') throw new Error(`expected to hold ${environment}, got ${JSON.stringify(claim)}`);
  store.markDeploying(environment, tag);
  store.markLive(environment, tag);
  store.markStable(environment, tag);
  store.dropLease(environment, claim.token);
}

/** Opens the promotion store a repository's runs share (in `home`), for a test to read, and closes it after `use`. */
export async function withPromotions<T>(repoDir: string, home: Home, use: (store: PromotionStore) => T): Promise<T> {
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const store = new PromotionStore(promotionStorePath(home, config.project, repoDir));
  try {
    return use(store);
  } finally {
    store.close();
  }
}
