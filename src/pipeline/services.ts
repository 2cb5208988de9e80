import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunCaches } from '../cache/index.ts';
import type { Config } from '../config/schema.ts';
import { Failure } from '../feedback/failure.ts';
import { LocalForge } from '../forge/local-forge.ts';
import type { Home } from '../home/home.ts';
import { LayoutRegistry, REGISTRY_BINARY, RegistryClient, startLocalRegistry, type RegistryApi } from '../registry/index.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { sha256 } from '../util/hash.ts';

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
    async close() {
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

/** One forge per repository: the stand-in for that repository's releases on GitHub. */
export function repositoryForge(home: Home, config: Config, repoDir: string, webhooks: { url: string; secret: string }[] = []): LocalForge {
  return new LocalForge({ dir: join(home.forgeDir, `${config.project}-${sha256(repoDir).slice(0, 8)}`), webhooks });
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
