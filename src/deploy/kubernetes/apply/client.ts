import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ClusterAccess } from '../access/access.ts';

/** The API objects a deploy uses, and what messages may say about where the credentials came from. */
export interface KubeClient {
  /** Any kind by apiVersion and kind (server-side apply, list, delete), through discovery. */
  objects: KubernetesObjectApi;
  apps: AppsV1Api;
  core: CoreV1Api;
  /** The loaded kubeconfig, for requests the API objects do not make (the service proxy). */
  config: KubeConfig;
  /** Never the kubeconfig itself: `secrets` are only for redacting server messages. */
  access: Pick<ClusterAccess, 'provider' | 'source' | 'server' | 'secrets'>;
}

/** The one place a kubeconfig becomes API clients: its current-context is the one the access checked. */
export function kubeClient(access: ClusterAccess): KubeClient {
  const config = new KubeConfig();
  config.loadFromString(access.yaml);
  return {
    objects: KubernetesObjectApi.makeApiClient(config),
    apps: config.makeApiClient(AppsV1Api),
    core: config.makeApiClient(CoreV1Api),
    config,
    access: { provider: access.provider, source: access.source, server: access.server, secrets: access.secrets },
  };
}
