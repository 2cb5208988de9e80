import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { LiveRegistry } from '../release/registry/index.ts';
import type { DeployTarget } from './target.ts';

export interface DeployTargetInputs {
  /** The project's configuration; without one (`slipway env` outside a repository) every environment is local. */
  config?: Config;
  /** Where relative paths of the configuration (a kubeconfig) are read from: the repository. */
  repoDir: string;
  /** Where local environments keep their state. */
  environmentsDir: string;
  /** The registry releases are pulled from, for the local runtime. */
  registry?: () => Promise<LiveRegistry>;
  /** Told every secret a target learns (cluster credentials, database passwords), so it is masked from then on. */
  addSecret: (value: string) => void;
}

/**
 * The one place an environment's deploy target is chosen: its deploy repository in GitOps mode,
 * else its Kubernetes cluster when the configuration gives it one, else the local runtime. Each is loaded only when chosen, so a run
 * that never deploys never pays for either.
 */
export async function openDeployTarget(environment: string, inputs: DeployTargetInputs): Promise<DeployTarget> {
  const { config } = inputs;
  if (config?.environments[environment]?.gitops) {
    const { GitOpsTarget } = await import('./gitops/target.ts');
    return new GitOpsTarget({
      environment,
      config,
      repoDir: inputs.repoDir,
      scratchDir: join(inputs.environmentsDir, 'gitops'),
      addSecret: inputs.addSecret,
    });
  }
  if (config?.environments[environment]?.cluster) {
    const { KubernetesTarget } = await import('./kubernetes/target.ts');
    return new KubernetesTarget({ environment, config, cwd: inputs.repoDir, addSecret: inputs.addSecret });
  }
  const { LocalTarget } = await import('./local/target.ts');
  return new LocalTarget({
    environment,
    environmentsDir: inputs.environmentsDir,
    config,
    registry: inputs.registry,
    addSecret: inputs.addSecret,
  });
}
