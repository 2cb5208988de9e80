import { join } from 'node:path';
import type { Config } from '../../config/schema.ts';
import type { LiveRegistry } from '../../release/registry/index.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import { renderManifests } from '../kubernetes/manifests/index.ts';
import type { DeployedEnvironment, DeployRequest, DeployTarget, DryRunReport, EnvironmentStatus, StabilitySignals } from '../target.ts';
import { ensureLocalResources, stopLocalResources } from './environment-resources.ts';
import { registryImageSource } from './registry-source.ts';
import { resourceSecretNames } from './resources/index.ts';
import { deploy, environmentStatus, teardown } from './runtime/index.ts';

export interface LocalTargetOptions {
  environment: string;
  /** Where local environments keep their state, logs and backing services. */
  environmentsDir: string;
  /** Needed to deploy; `slipway env` can look and tear down without one. */
  config?: Config;
  /** Where the released images are pulled from, by digest. */
  registry?: () => Promise<LiveRegistry>;
  /** Told every secret the environment's backing services get, so it is masked from then on. */
  addSecret: (value: string) => void;
  /** How long every service has to answer its readiness path. */
  readyTimeoutMs?: number;
}

/**
 * The local runtime as a deploy target, the embedded default: released images pulled by digest
 * and verified, each service run from its unpacked filesystem behind a loopback router, with the
 * environment's PostgreSQL and S3 started once and kept. The old revision serves until the new one
 * is ready, so a failed deploy leaves the environment as it was.
 */
export class LocalTarget implements DeployTarget {
  readonly environment: string;

  constructor(private readonly options: LocalTargetOptions) {
    this.environment = options.environment;
  }

  async connect(): Promise<undefined> {
    return undefined;
  }

  render(release: ReleaseManifest) {
    return renderManifests(this.required('render').config, this.environment, release);
  }

  async dryRun(): Promise<DryRunReport> {
    return { checked: [], summary: 'no server-side dry run: no cluster in the embedded default' };
  }

  async deploy({ release, runId, log }: DeployRequest): Promise<DeployedEnvironment> {
    const { config, registry: openRegistry } = this.required('deploy');
    const { environment, environmentsDir } = this.options;
    if (!openRegistry) throw new Error('the local runtime needs a registry to deploy from');
    const registry = await openRegistry();
    const kinds = [...new Set(Object.values(config.services).flatMap((service) => service.uses))];
    const resources = kinds.length ? await ensureLocalResources(this.resourcesDir, kinds, `${config.project}-${environment}`) : {};
    for (const env of Object.values(resources)) for (const name of resourceSecretNames(env)) this.options.addSecret(env[name]);
    const result = await deploy({
      stateDir: environmentsDir,
      environment,
      revision: `${release.tag}-run${runId}`,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
      onLog: log,
      services: Object.entries(config.services).map(([name, service]) => {
        const image = release.images[name];
        const resourceVars = Object.assign({}, ...service.uses.map((kind) => resources[kind]));
        return {
          name,
          image: { source: registryImageSource(registry.client, image.repository), reference: image.digest, digest: image.digest },
          port: service.port,
          env: { ...service.env, ...config.environments[environment].env, ...resourceVars },
          health: service.health,
          readiness: service.readiness ?? service.health,
          routes: service.routes,
        };
      }),
    });
    return { environment, url: result.url, revision: result.revision, services: result.services.map(({ name, url }) => ({ name, url })) };
  }

  async status(): Promise<EnvironmentStatus | undefined> {
    const status = await environmentStatus(this.options.environmentsDir, this.environment);
    return status && { url: status.url, revision: status.revision, services: status.services, history: status.history };
  }

  async signals(deployed: DeployedEnvironment): Promise<StabilitySignals> {
    const { config } = this.required('observe');
    // Each service's own health endpoint, reached directly, as its process serves it.
    const probes = deployed.services.map(({ name, url }) => ({ name, url: new URL(config.services[name].health, url).href }));
    const restarts = async () => (await this.status())?.services.reduce((sum, service) => sum + service.restarts, 0) ?? 0;
    return { probes, restarts };
  }

  async teardown(): Promise<void> {
    await teardown(this.options.environmentsDir, this.environment);
    await stopLocalResources(this.resourcesDir);
  }

  private get resourcesDir(): string {
    return join(this.options.environmentsDir, 'resources', this.environment);
  }

  private required(what: string): LocalTargetOptions & { config: Config } {
    if (!this.options.config) throw new Error(`the local runtime cannot ${what} ${this.environment} without the project's configuration`);
    return { ...this.options, config: this.options.config };
  }
}
