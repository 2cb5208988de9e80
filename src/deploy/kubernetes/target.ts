import type { Config } from '../../config/schema.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import type { DeployedEnvironment, DeployRequest, DeployTarget, DryRunReport, EnvironmentStatus, StabilitySignals } from '../target.ts';
import { clusterAccess, type ClusterAccess } from './access/index.ts';
import {
  deployRelease,
  dryRunApply,
  kubeClient,
  removeRelease,
  revisionHistory,
  serviceStatuses,
  withEphemeralNamespace,
  type KubeClient,
} from './apply/index.ts';
import { renderManifests, type KubeObject } from './manifests/index.ts';
import { kubeStabilitySignals } from './signals/kube-signals.ts';

export interface KubernetesTargetOptions {
  environment: string;
  config: Config;
  /** Where relative kubeconfig paths are read from: the repository. */
  cwd: string;
  /** Told the cluster's credentials as soon as they are read, so they are masked from then on. */
  addSecret: (value: string) => void;
}

/**
 * An environment's namespace on a Kubernetes cluster, reached through its access provider
 * (kubeconfig, in-cluster service account, or Lightkeeper): server-side apply as field manager
 * `slipway`, rollout wait, prune by label, a revision history in the namespace, and an automatic
 * rollback when a deploy fails.
 */
export class KubernetesTarget implements DeployTarget {
  readonly environment: string;
  private connection?: Promise<{ client: KubeClient; access: ClusterAccess }>;

  constructor(private readonly options: KubernetesTargetOptions) {
    this.environment = options.environment;
  }

  async connect(): Promise<string> {
    const { access } = await this.api();
    return `cluster ${access.cluster} at ${access.server} through ${access.source}`;
  }

  render(release: ReleaseManifest): KubeObject[] {
    return renderManifests(this.options.config, this.environment, release);
  }

  async dryRun(objects: KubeObject[], log: (line: string) => void): Promise<DryRunReport> {
    const { client } = await this.api();
    const dryRun = await dryRunApply(client, objects);
    const namespace = await withEphemeralNamespace(client, {
      objects,
      namespace: this.settings.namespace,
      run: async (copy) => copy,
      onLog: log,
    });
    return {
      checked: ['server-dry-run', 'ephemeral-rollout'],
      summary: `accepted by the API server (dry run of ${dryRun.checked.length}), rolled out in the ephemeral namespace ${namespace} and deleted`,
    };
  }

  async deploy({ release, log }: DeployRequest): Promise<DeployedEnvironment> {
    const { client } = await this.api();
    const { config, environment } = this.options;
    const { namespace } = this.settings;
    const result = await deployRelease(client, {
      project: config.project,
      environment,
      namespace,
      release,
      objects: this.render(release),
      onLog: log,
    });
    log(
      `revision ${result.revision}: applied ${result.applied.length} objects${result.pruned.length ? `, pruned ${result.pruned.join(', ')}` : ''}`,
    );
    return {
      environment,
      url: this.url,
      revision: `${result.revision}`,
      services: this.serviceNames.map((name) => ({ name, url: this.url })),
      namespace,
    };
  }

  /** The checked API client, for a target that reads more of the same cluster (a GitOps target reading Argo CD). */
  async apiClient(): Promise<KubeClient> {
    return (await this.api()).client;
  }

  async status(): Promise<EnvironmentStatus | undefined> {
    const { client } = await this.api();
    const { project } = this.options.config;
    const history = (await revisionHistory(client, this.settings.namespace)).filter((record) => record.project === project);
    if (history.length === 0) return undefined;
    const live = [...history].reverse().find((record) => record.status === 'deployed');
    const services = await serviceStatuses(client, { namespace: this.settings.namespace, project, services: this.serviceNames });
    return {
      url: live && this.url,
      revision: live && `${live.revision}`,
      services: services.map((service) => ({ ...service, url: this.url })),
      history: history.map((record) => ({
        revision: `${record.revision} (${record.release})`,
        at: record.time,
        outcome: record.status,
        reason: record.reason,
      })),
    };
  }

  async signals(): Promise<StabilitySignals> {
    const { client } = await this.api();
    const services = Object.entries(this.options.config.services).map(([name, service]) => ({
      name,
      port: service.port,
      health: service.health,
    }));
    return kubeStabilitySignals(client, { namespace: this.settings.namespace, project: this.options.config.project, services });
  }

  async teardown(log: (line: string) => void): Promise<void> {
    const { client } = await this.api();
    await removeRelease(client, { namespace: this.settings.namespace, project: this.options.config.project, onLog: log });
  }

  private get settings() {
    return this.options.config.environments[this.environment];
  }

  /** Where smoke tests and people reach the environment: `url`, else its ingress host. */
  private get url(): string {
    return this.settings.url ?? `https://${this.settings.host}`;
  }

  private get serviceNames(): string[] {
    return Object.keys(this.options.config.services);
  }

  /** The checked access and its API client, obtained once; its credentials are masked from then on. */
  private async api(): Promise<{ client: KubeClient; access: ClusterAccess }> {
    const cluster = this.settings.cluster;
    if (!cluster) throw new Error(`environment ${this.environment} has no cluster`);
    this.connection ??= clusterAccess(cluster, { environment: this.environment, cwd: this.options.cwd }).then((access) => {
      for (const secret of access.secrets) this.options.addSecret(secret);
      return { client: kubeClient(access), access };
    });
    return this.connection;
  }
}
