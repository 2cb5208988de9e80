import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { RegistryClient } from './client.ts';
import { LayoutRegistry } from './layout-registry.ts';
import { REGISTRY_BINARY, startLocalRegistry } from './local-registry.ts';
import type { RegistryApi } from './registry-api.ts';
import type { ProcessRef } from '../../shared/process.ts';

/** The registry a run pushes to and deploys from. */
export interface LiveRegistry {
  client: RegistryApi;
  /** The registry part of image references, e.g. "127.0.0.1:5000" or "ghcr.io". */
  host: string;
  /** Repository prefix inside the registry, e.g. "acme" for ghcr.io/acme. */
  namespace: string;
  /** The local registry server's process, when one was started for it. */
  process?: ProcessRef;
  /** Stops what was started for it (the local registry server); nothing for a remote one. */
  stop(): Promise<void>;
}

export interface OpenRegistryOptions {
  /** `registry.url` of the configuration: "local", "oci-layout", or a host such as "ghcr.io/acme". */
  url: string;
  /** Where the local registry (server or OCI layouts) keeps its storage. */
  storageDir: string;
  /** Start the local registry read-only: every push is refused (the demo's push fault). */
  readOnly?: boolean;
  /** Told the registry password, so it is masked from then on. */
  addSecret(value: string | undefined): void;
}

/**
 * The configured registry: the Debian `docker-registry` on loopback ("local"), OCI image layouts
 * on disk ("oci-layout", or "local" where docker-registry is not installed), or a remote one.
 */
export async function openRegistry(options: OpenRegistryOptions): Promise<LiveRegistry> {
  const { url, storageDir, readOnly } = options;
  if (url === 'oci-layout' || (url === 'local' && !existsSync(REGISTRY_BINARY))) {
    const client = new LayoutRegistry(join(storageDir, 'oci-layouts'), { readOnly });
    return { client, host: 'oci-layout', namespace: '', stop: async () => undefined };
  }
  if (url === 'local') {
    const local = await startLocalRegistry({ storageDir, readOnly });
    return { client: new RegistryClient({ url: local.url }), host: local.host, namespace: '', process: local.process, stop: local.stop };
  }
  return remoteRegistry(url, options.addSecret);
}

/**
 * A configured registry such as "ghcr.io/acme"; credentials come from the environment only:
 * SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD, or on ghcr.io GITHUB_TOKEN (as GITHUB_ACTOR).
 */
function remoteRegistry(url: string, addSecret: (value: string | undefined) => void): LiveRegistry {
  const match = /^(?:https?:\/\/)?([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new Failure(`registry.url "${url}" is not a registry host`, { hint: 'use e.g. ghcr.io/<owner>' });
  const [, host, namespace = ''] = match;
  const { username, password } = registryCredentials(host, process.env);
  addSecret(password);
  const scheme = /^(127\.|localhost)/.test(host) ? 'http' : 'https';
  return {
    client: new RegistryClient({ url: `${scheme}://${host}`, auth: username && password ? { username, password } : undefined }),
    host,
    namespace,
    stop: async () => undefined,
  };
}

/**
 * A registry's credentials, from the environment only: SLIPWAY_REGISTRY_USERNAME and
 * SLIPWAY_REGISTRY_PASSWORD; on ghcr.io without them, Actions' GITHUB_TOKEN as GITHUB_ACTOR (as
 * docker/login-action users expect).
 */
export function registryCredentials(host: string, env: NodeJS.ProcessEnv): { username?: string; password?: string } {
  if (host === 'ghcr.io' && !env.SLIPWAY_REGISTRY_PASSWORD && env.GITHUB_TOKEN) {
    return { username: env.GITHUB_ACTOR ?? 'github-actions', password: env.GITHUB_TOKEN };
  }
  return { username: env.SLIPWAY_REGISTRY_USERNAME, password: env.SLIPWAY_REGISTRY_PASSWORD };
}
