import { join } from 'node:path';
import { gitOrUndefined } from '../../shared/git.ts';
import { LocalCache, type CacheUsage, type LocalCacheOptions } from './local-cache.ts';
import { formatBytes } from '../../shared/bytes.ts';
import { planRemoteAccess, type WritePolicy } from './remote-access.ts';
import type { S3RemoteCache, S3RemoteConfig, WarningListener } from './remote-cache.ts';
import { loadSigningKeys, type SigningKeyConfig } from './signing-keys.ts';
import { TieredCache, type CacheStats, type UploadSummary } from './tiered-cache.ts';

/** `cache.remote` of the configuration: where the bucket is, who writes, and the keys entries are signed with. */
export type RemoteCacheConfig = S3RemoteConfig & SigningKeyConfig & { write?: WritePolicy };

export interface ConnectOptions {
  /** Told what the developer should know: a remote or an entry that was not used, and why. */
  onWarning?: WarningListener;
  /** The repository: its checked-out branch decides whether this run writes (`write`), and `keyFile` is relative to it. */
  repoDir?: string;
  /** Registers the signing key with the run's redactor, so it is masked wherever it might surface. */
  addSecret?: (value: string) => void;
  /** The sharded run this one is part of (see planRemoteAccess): its shards share a namespace of the remote. */
  shardRun?: string;
}

/** Default `cache.remote.write`: only the main branch's runs upload; pull requests and other branches read. */
const defaultWrite: WritePolicy = 'main';

/** One cache directory, backed by the remote when one is configured. */
export async function openCache(
  dir: string,
  remote?: RemoteCacheConfig,
  options: ConnectOptions & { local?: LocalCacheOptions } = {},
): Promise<TieredCache> {
  const connected = remote && (await connectRemote(remote, options));
  return new TieredCache(new LocalCache(dir, { onWarning: options.onWarning, ...options.local }), connected?.remote);
}

/**
 * Starts loading the S3 client now, for a run that will surely connect to the remote (a sharded
 * run's merge): it loads while the run waits on git and on the configuration's compile, which run
 * in their own processes. A failure to load is the connection's to report, when it awaits it.
 */
export function preloadRemoteClient(): void {
  import('./remote-cache.ts').catch(() => undefined);
}

/**
 * Decides what this run may do with the remote, and connects when it may use it at all. The S3
 * client is loaded only then: a local-only run never pays for it.
 */
async function connectRemote(
  config: RemoteCacheConfig,
  options: ConnectOptions,
): Promise<{ remote?: S3RemoteCache; readOnlyBecause?: string }> {
  const repoDir = options.repoDir ?? process.cwd();
  const keys = await loadSigningKeys(config, repoDir);
  for (const secret of keys.secrets) options.addSecret?.(secret);
  const write = config.write ?? defaultWrite;
  const branch =
    typeof write === 'boolean' || !options.repoDir
      ? undefined
      : (await gitOrUndefined(options.repoDir, ['branch', '--show-current']))?.trim() || undefined;
  const location = `s3://${config.bucket}/${config.prefix ?? ''}`;
  const access = planRemoteAccess({ location, keys, write, branch, shardRun: options.shardRun });
  if (access.warning) options.onWarning?.(access.warning);
  if (!access.use) return {};
  const { S3RemoteCache } = await import('./remote-cache.ts');
  const remote = new S3RemoteCache(access.scope ? { ...config, prefix: `${config.prefix ?? ''}${access.scope}` } : config, {
    signatures: access.signatures,
    upload: access.upload,
    onWarning: options.onWarning,
    secrets: keys.secrets,
  });
  return { remote, readOnlyBecause: access.readOnlyBecause };
}

/**
 * The caches of one run: `<cacheDir>/<name>` locally and `<prefix><name>/` remotely, all sharing
 * one remote connection, so an unreachable remote is found (and reported) once per run.
 */
export class RunCaches {
  private readonly cacheDir: string;
  private readonly remote?: S3RemoteCache;
  private readonly onWarning?: WarningListener;
  private readonly caches = new Map<string, TieredCache>();
  /** Why this run does not upload to the remote it reads from; undefined when it does (or has no remote). */
  readonly remoteReadOnlyBecause?: string;

  static async connect(cacheDir: string, remote?: RemoteCacheConfig, options: ConnectOptions = {}): Promise<RunCaches> {
    const connected = remote ? await connectRemote(remote, options) : {};
    return new RunCaches(cacheDir, connected.remote, options.onWarning, connected.readOnlyBecause);
  }

  constructor(cacheDir: string, remote?: S3RemoteCache, onWarning?: WarningListener, remoteReadOnlyBecause?: string) {
    this.cacheDir = cacheDir;
    this.remote = remote;
    this.onWarning = onWarning;
    this.remoteReadOnlyBecause = remoteReadOnlyBecause;
  }

  /** The cache named `name` (e.g. "deps", "outputs", "tests"); the same object on every call. */
  open(name: string, opts?: LocalCacheOptions): TieredCache {
    let cache = this.caches.get(name);
    if (!cache) {
      const local = new LocalCache(join(this.cacheDir, name), { onWarning: this.onWarning, ...opts });
      cache = new TieredCache(local, this.remote?.scoped(`${name}/`));
      this.caches.set(name, cache);
    }
    return cache;
  }

  /** What each cache opened in this run holds on this machine, by name. */
  async usage(): Promise<Record<string, CacheUsage>> {
    const names = [...this.caches.keys()];
    const usages = await Promise.all(names.map((name) => this.caches.get(name)!.usage()));
    return Object.fromEntries(names.map((name, index) => [name, usages[index]]));
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

/** PURE: the caches' sizes in one line, e.g. "cache on this machine: deps 126.0 MiB (1 entry), outputs 2.1 MiB (9 entries)". */
export function usageLine(usage: Record<string, CacheUsage>): string {
  const kinds = Object.entries(usage).map(
    ([name, { entries, bytes }]) => `${name} ${formatBytes(bytes)} (${entries} ${entries === 1 ? 'entry' : 'entries'})`,
  );
  return `cache on this machine: ${kinds.join(', ')}`;
}
