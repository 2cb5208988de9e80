import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { promotionStorePath } from '../deploy/promotion/store-path.ts';
import { PromotionStore, type Rollback } from '../deploy/promotion/store.ts';
import type { Home } from '../shared/home.ts';
import type { ReleaseIdentity } from '../deploy/promotion/types.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { sampleManifest } from './release-manifest-fixture.ts';

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

/** A deploy that fails: at its rollout, or once live (its smoke test or stability). */
export function deployFailed(store: PromotionStore, environment: string, tag: string, options: { afterLive?: boolean } = {}): void {
  const claim = store.claimLease(environment, tag, { pid: process.pid, host: 'test' }, 60_000, () => true);
  if (claim.kind !== 'held') throw new Error(`expected to hold ${environment}, got ${JSON.stringify(claim)}`);
  store.markDeploying(environment, tag);
  if (options.afterLive) store.markLive(environment, tag);
  store.markFailed(environment, tag, options.afterLive ? 'smoke test failed: home page answered 500' : 'rollout never became ready');
  store.dropLease(environment, claim.token);
}

/** A rollback run to the end, as `slipway rollback` does it: `to` back in, `from` withdrawn. */
export function rollBackStable(store: PromotionStore, rollback: Rollback): void {
  const claim = store.claimLease(rollback.environment, rollback.to, { pid: process.pid, host: 'test' }, 60_000, () => true, 'rollback');
  if (claim.kind !== 'held') throw new Error(`expected to hold ${rollback.environment}, got ${JSON.stringify(claim)}`);
  store.startRollback(rollback);
  store.markRollbackLive(rollback);
  store.markStable(rollback.environment, rollback.to);
  store.dropLease(rollback.environment, claim.token);
}

/** A release manifest whose identity is `release`: what a run of that release carries. */
export function manifestOf(release: ReleaseIdentity): ReleaseManifest {
  const base = sampleManifest(release.tag, release.commit);
  const images = Object.fromEntries(
    Object.entries(release.digests).map(([service, digest]) => [
      service,
      { ...base.images.backend, repository: `embark/${service}`, reference: `127.0.0.1:5000/embark/${service}@${digest}`, digest },
    ]),
  );
  return { ...base, version: release.version, createdAt: release.createdAt, images };
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
