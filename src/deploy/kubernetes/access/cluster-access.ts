import type { ClusterAccess } from './access.ts';
import { inClusterAccess } from './in-cluster-provider.ts';
import { kubeconfigAccess } from './kubeconfig-provider.ts';
import { lightkeeperAccess } from './lightkeeper-provider.ts';
import type { ClusterConfig } from '../../../config/cluster-schema.ts';

export interface ClusterAccessOptions {
  /** Variables (KUBECONFIG, HOME, PATH, the Lightkeeper token, KUBERNETES_SERVICE_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The project root, for relative paths in the configuration; default the working directory. */
  cwd?: string;
  /** The environment being reached, so hints name the setting: "environments.<env>.cluster". */
  environment?: string;
  /** The mounted service account directory (in-cluster); injectable for tests. */
  serviceAccountDir?: string;
}

/** A checked kubeconfig for an environment's cluster, from the provider its configuration names. */
export function clusterAccess(config: ClusterConfig, options: ClusterAccessOptions = {}): Promise<ClusterAccess> {
  const setting = options.environment ? `environments.${options.environment}.cluster` : 'cluster';
  switch (config.provider) {
    case 'kubeconfig':
      return kubeconfigAccess(config, { env: options.env, cwd: options.cwd, setting });
    case 'in-cluster':
      return inClusterAccess({ env: options.env, serviceAccountDir: options.serviceAccountDir });
    case 'lightkeeper':
      return lightkeeperAccess(config, { env: options.env, cwd: options.cwd, setting });
  }
}
