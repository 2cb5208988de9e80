import { join } from 'node:path';
import { LocalCache, type LocalCacheOptions } from './local-cache.ts';
import type { S3RemoteCache, S3RemoteConfig, WarningListener } from './remote-cache.ts';
import { TieredCache, type CacheStats, type UploadSummary } from './tiered-cache.ts';

/** One cache directory, backed by the remote when one is configured. */
export async function openCache(
  dir: string,
  remote?: S3RemoteConfig,
  onWarning?: WarningListener,
  opts?: LocalCacheOptions,
): Promise<TieredCache> {
  return new TieredCache(new LocalCache(dir, opts), remote ? await connectRemote(remote, onWarning) : undefined);
}

/** The S3 client is loaded only when a remote is configured: a local-only run never pays for it. */
async function connectRemote(config: S3RemoteConfig, onWarning?: WarningListener): Promise<S3RemoteCache> {
  const { S3RemoteCache } = await import('./remote-cache.ts');
  return new S3RemoteCache(config, { onWarning });
}

/**
 * The caches of one run: `<cacheDir>/<name>` locally and `<prefix><name>/` remotely, all sharing
 * one remote connection, so an unreachable remote is found (and reported) once per run.
 */
export class RunCaches {
  private readonly cacheDir: string;
  private readonly remote?: S3RemoteCache;
  private readonly caches = new Map<string, TieredCache>();

  static async connect(cacheDir: string, remote?: S3RemoteConfig, onWarning?: WarningListener): Promise<RunCaches> {
    return new RunCaches(cacheDir, remote ? await connectRemote(remote, onWarning) : undefined);
  }

  constructor(cacheDir: string, remote?: S3RemoteCache) {
    this.cacheDir = cacheDir;
    this.remote = remote;
  }

  /** The cache named `name` (e.g. "deps", "outputs", "tests"); the same object on every call. */
  open(name: string, opts?: LocalCacheOptions): TieredCache {
    let cache = this.caches.get(name);
    if (!cache) {
      cache = new TieredCache(new LocalCache(join(this.cacheDir, name), opts), this.remote?.scoped(`${name}/`));
      this.caches.set(name, cache);
    }
    return cache;
  }

  /** Hits, misses and uploads summed over every cache. */
  stats(): CacheStats {
    const total: CacheStats = { localHits: 0, remoteHits: 0, misses: 0, uploads: 0 };
    for (const cache of this.caches.values()) {
      for (const [name, value] of Object.entries(cache.stats()) as Array<[keyof CacheStats, number]>) total[name] += value;
    }
    return total;
  }

  /** Ends the run: waits up to timeoutMs for every background upload, then closes the remote connection. */
  async flush(timeoutMs: number): Promise<UploadSummary> {
    const summaries = await Promise.all([...this.caches.values()].map((cache) => cache.flush(timeoutMs)));
    this.remote?.close();
    return summaries.reduce(
      (total, summary) => ({
        uploaded: total.uploaded + summary.uploaded,
        skipped: total.skipped + summary.skipped,
        failed: total.failed + summary.failed,
      }),
      { uploaded: 0, skipped: 0, failed: 0 },
    );
  }
}
