import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunCaches } from '../build/cache/index.ts';
import type { ClusterAccess } from '../deploy/kubernetes/access/index.ts';
import type { Config } from '../config/schema.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { LocalForge } from '../release/forge/local-forge.ts';
import type { DeployLease, PromotionStore } from '../deploy/promotion/index.ts';
import type { Home } from '../shared/home.ts';
import { LayoutRegistry, REGISTRY_BINARY, RegistryClient, startLocalRegistry, type RegistryApi } from '../release/registry/index.ts';
import type { Redactor } from '../shared/redactor.ts';
import { sha256 } from '../shared/hash.ts';

export interface LiveRegistry {
  client: RegistryApi;
  /** The registry part of image references, e.g. "127.0.0.1:5000" or "ghcr.io". */
  host: string;
  /** Repository prefix inside the registry, e.g. "acme" for ghcr.io/acme. */
  namespace: string;
}

/** The outside world a run talks to, started on first use and shared by every stage of the run. */
export interface RunServices {
  registry(): Promise<LiveRegistry>;
  forge(): LocalForge;
  /** The run's caches (local, and the remote one when configured); uploads are awaited by close(). */
  caches(): Promise<RunCaches>;
  /** The checked access to an environment's cluster; its credentials are redacted from then on. */
  cluster(environment: string): Promise<ClusterAccess>;
  /** Which release is where, gates and deploy leases: shared by every run of the project. */
  promotions(): Promise<PromotionStore>;
  /** Keeps an environment's deploy lease until `releaseLease` or the end of the run. */
  holdLease(lease: DeployLease): void;
  releaseLease(environment: string): void;
  chromiumPath: string;
  close(): Promise<void>;
}

export interface RunServicesOptions {
  home: Home;
  config: Config;
  repoDir: string;
  webhooks: { url: string; secret: string }[];
  redactor: Redactor;
  /** Start the local registry read-only: every push is refused (the demo's push fault). */
  registryReadOnly?: boolean;
  /** What the developer should know that does not fail the run. */
  notify?: (level: 'info' | 'warning', message: string) => void;
}

/** How long the end of a run waits for background cache uploads. */
const cacheUploadGraceMs = 30_000;

export function createRunServices(options: RunServicesOptions): RunServices {
  let registry: Promise<LiveRegistry> | undefined;
  let stopRegistry: (() => Promise<void>) | undefined;
  let forge: LocalForge | undefined;
  let caches: Promise<RunCaches> | undefined;
  let promotions: Promise<PromotionStore> | undefined;
  const clusters = new Map<string, Promise<ClusterAccess>>();
  const leases = new Map<string, DeployLease>();
  const notify = options.notify ?? (() => undefined);
  return {
    chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    registry() {
      registry ??= (async () => {
        const { url } = options.config.registry;
        if (url === 'oci-layout' || (url === 'local' && !existsSync(REGISTRY_BINARY))) {
          // No registry server: images go to OCI image layouts on disk.
          const layouts = join(options.home.registryDir, 'oci-layouts');
          return { client: new LayoutRegistry(layouts, { readOnly: options.registryReadOnly }), host: 'oci-layout', namespace: '' };
        }
        if (url === 'local') {
          const local = await startLocalRegistry({ storageDir: options.home.registryDir, readOnly: options.registryReadOnly });
          stopRegistry = local.stop;
          return { client: new RegistryClient({ url: local.url }), host: local.host, namespace: '' };
        }
        return remoteRegistry(url, options.redactor);
      })();
      return registry;
    },
    forge() {
      forge ??= repositoryForge(options.home, options.config, options.repoDir, options.webhooks);
      return forge;
    },
    caches() {
      const { remote } = options.config.cache;
      caches ??= RunCaches.connect(options.home.cacheDir, remote && { ...remote, forcePathStyle: remote.forcePathStyle ?? Boolean(remote.endpoint) }, (message) => notify('warning', `remote cache: ${message}`));
      return caches;
    },
    cluster(environment) {
      let access = clusters.get(environment);
      if (!access) {
        const cluster = options.config.environments[environment]?.cluster;
        if (!cluster) throw new Error(`environment ${environment} has no cluster`);
        // Loaded on first use: only a run that deploys to a cluster pays for it.
        access = import('../deploy/kubernetes/access/index.ts').then(async ({ clusterAccess }) => {
          const checked = await clusterAccess(cluster, { environment, cwd: options.repoDir });
          for (const secret of checked.secrets) options.redactor.add(secret);
          return checked;
        });
        clusters.set(environment, access);
      }
      return access;
    },
    promotions() {
      promotions ??= import('../deploy/promotion/index.ts').then(({ PromotionStore }) => new PromotionStore(promotionStorePath(options.home, options.config, options.repoDir)));
      return promotions;
    },
    holdLease(lease) {
      leases.set(lease.environment, lease);
    },
    releaseLease(environment) {
      leases.get(environment)?.release();
      leases.delete(environment);
    },
    async close() {
      for (const environment of [...leases.keys()]) this.releaseLease(environment);
      if (promotions) (await promotions).close();
      await stopRegistry?.();
      if (!caches) return;
      const run = await caches;
      const uploads = await run.flush(cacheUploadGraceMs);
      if (!options.config.cache.remote) return;
      const { localHits, remoteHits, misses } = run.stats();
      notify('info', `cache: ${localHits} local hits, ${remoteHits} remote hits, ${misses} misses; uploaded ${uploads.uploaded}, already there ${uploads.skipped}${uploads.failed ? `, ${uploads.failed} failed` : ''}`);
    },
  };
}

/** How a home tells repositories apart: their releases and tags are each their own. */
function repositoryKey(config: Config, repoDir: string): string {
  return `${config.project}-${sha256(repoDir).slice(0, 8)}`;
}

/** Where a repository's releases stand in its environments, shared by its runs. */
export function promotionStorePath(home: Home, config: Config, repoDir: string): string {
  return join(home.root, 'promotion', `${repositoryKey(config, repoDir)}.db`);
}

/** One forge per repository: the stand-in for that repository's releases on GitHub. */
export function repositoryForge(home: Home, config: Config, repoDir: string, webhooks: { url: string; secret: string }[] = []): LocalForge {
  return new LocalForge({ dir: join(home.forgeDir, repositoryKey(config, repoDir)), webhooks });
}

/** A configured registry such as "ghcr.io/acme"; credentials come from the environment only. */
function remoteRegistry(url: string, redactor: Redactor): LiveRegistry {
  const match = /^(?:https?:\/\/)?([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new Failure(`registry.url "${url}" is not a registry host`, { hint: 'use e.g. ghcr.io/<owner>' });
  const [, host, namespace = ''] = match;
  const username = process.env.SLIPWAY_REGISTRY_USERNAME;
  const password = process.env.SLIPWAY_REGISTRY_PASSWORD;
  redactor.add(password);
  const scheme = /^(127\.|localhost)/.test(host) ? 'http' : 'https';
  return {
    client: new RegistryClient({ url: `${scheme}://${host}`, auth: username && password ? { username, password } : undefined }),
    host,
    namespace,
  };
}
