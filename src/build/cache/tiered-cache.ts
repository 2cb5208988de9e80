import type { CacheUsage, LocalCache } from './local-cache.ts';
import type { S3RemoteCache, UploadResult } from './remote-cache.ts';

/** What the stages need from a cache: LocalCache and TieredCache both provide it. */
export interface EntryCache {
  has(key: string): Promise<boolean>;
  readMeta(key: string): Promise<Record<string, unknown> | undefined>;
  restore(key: string, targetDir: string, paths: string[]): Promise<boolean>;
  save(key: string, sourceDir: string, paths: string[], meta?: Record<string, unknown>): Promise<void>;
  /** The size of the entry on this machine's disk, when it is there. */
  entryBytes(key: string): Promise<number | undefined>;
  /** What the entries on this machine's disk add up to. */
  usage(): Promise<CacheUsage>;
}

export interface CacheStats {
  localHits: number;
  remoteHits: number;
  misses: number;
  /** Entries uploaded to the remote so far. */
  uploads: number;
}

export type UploadSummary = Record<UploadResult, number>;

/**
 * The local cache in front of an optional remote one. Restores try the local disk first and
 * the remote on a miss; saves go to the local disk and, when this run may write to the remote,
 * are uploaded in the background, awaited only by flush() at the end of the run. A remote
 * problem is never an error, only a warning.
 */
export class TieredCache implements EntryCache {
  readonly local: LocalCache;
  readonly remote?: S3RemoteCache;
  private readonly counts: Omit<CacheStats, 'uploads'> = { localHits: 0, remoteHits: 0, misses: 0 };
  private readonly uploaded: UploadSummary = { uploaded: 0, skipped: 0, failed: 0 };
  private readonly pending = new Set<Promise<void>>();
  /** Aborted when flush runs out of time, so the run can end without waiting for slow uploads. */
  private readonly abandon = new AbortController();

  constructor(local: LocalCache, remote?: S3RemoteCache) {
    this.local = local;
    this.remote = remote;
  }

  async restore(key: string, targetDir: string, paths: string[]): Promise<boolean> {
    if (await this.local.restore(key, targetDir, paths)) {
      this.counts.localHits++;
      return true;
    }
    // The fetched entry is checked before it is installed, and restore checks it again while extracting.
    if ((await this.remote?.fetch(key, this.local))?.found === 'hit' && (await this.local.restore(key, targetDir, paths))) {
      this.counts.remoteHits++;
      return true;
    }
    this.counts.misses++;
    return false;
  }

  async save(key: string, sourceDir: string, paths: string[], meta?: Record<string, unknown>): Promise<void> {
    await this.local.save(key, sourceDir, paths, meta);
    if (!this.remote?.uploads) return;
    const upload = this.remote.upload(key, this.local, this.abandon.signal).then((result) => {
      this.uploaded[result]++;
    });
    this.pending.add(upload);
    void upload.finally(() => this.pending.delete(upload));
  }

  /** The entry's meta, fetching the entry from the remote when the local disk lacks it. */
  async readMeta(key: string): Promise<Record<string, unknown> | undefined> {
    if (!(await this.local.has(key)) && this.remote) {
      const fetched = await this.remote.fetch(key, this.local);
      // Its manifest was read whole to check it: not parsed from the disk a second time (a shard's record is large).
      if (fetched.found === 'hit') return fetched.manifest.meta;
    }
    return this.local.readMeta(key);
  }

  async has(key: string): Promise<boolean> {
    return (await this.local.has(key)) || ((await this.remote?.has(key)) ?? false);
  }

  entryBytes(key: string): Promise<number | undefined> {
    return this.local.entryBytes(key);
  }

  usage(): Promise<CacheUsage> {
    return this.local.usage();
  }

  stats(): CacheStats {
    return { ...this.counts, uploads: this.uploaded.uploaded };
  }

  /**
   * Waits up to timeoutMs for the background uploads, then abandons the rest (counted as
   * failed, with a warning). Returns the uploads of the whole run so far.
   */
  async flush(timeoutMs: number): Promise<UploadSummary> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const outOfTime = await Promise.race([Promise.all(this.pending).then(() => false), timedOut]);
    clearTimeout(timer);
    if (outOfTime) {
      this.abandon.abort();
      await Promise.all(this.pending);
      this.remote?.warnOnce(
        'upload-timeout',
        `Remote cache: uploads still running after ${timeoutMs / 1000} s were abandoned; a later run uploads them again.`,
      );
    }
    return { ...this.uploaded };
  }
}
