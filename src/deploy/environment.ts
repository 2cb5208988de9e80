import { join } from 'node:path';
import type { StageContext } from '../engine/stage.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import type { StabilityVerdict } from './verify/stability/index.ts';

/**
 * Deploy, smoke test and stability of one environment: what the nonprod stages do, and what a
 * promotion does again in staging and prod. An environment with a `cluster` is Kubernetes
 * (server-side apply, rollout wait, rollback); one without runs on the local runtime.
 */
export interface DeployedEnvironment {
  environment: string;
  url: string;
  revision: string;
  services: { name: string; url: string }[];
  /** Set when the environment is a Kubernetes cluster. */
  namespace?: string;
}

/**
 * Deploys the release's images, by digest, to an environment. Libraries are imported when a stage
 * runs, so `slipway ci` never pays for the release half's.
 */
export async function deployEnvironment(ctx: StageContext, environment: string, manifest: ReleaseManifest): Promise<DeployedEnvironment> {
  return ctx.config.environments[environment].cluster ? deployToCluster(ctx, environment, manifest) : deployToRuntime(ctx, environment, manifest);
}

async function deployToCluster(ctx: StageContext, environment: string, manifest: ReleaseManifest): Promise<DeployedEnvironment> {
  const { renderManifests } = await import('./kubernetes/manifests/index.ts');
  const { deployRelease, kubeClient } = await import('./kubernetes/apply/index.ts');
  const target = ctx.config.environments[environment];
  const client = kubeClient(await ctx.services.cluster(environment));
  const objects = renderManifests(ctx.config, environment, manifest);
  const result = await deployRelease(client, { project: ctx.config.project, environment, namespace: target.namespace, release: manifest, objects, onLog: ctx.log });
  ctx.log(`revision ${result.revision}: applied ${result.applied.length} objects${result.pruned.length ? `, pruned ${result.pruned.join(', ')}` : ''}`);
  const url = target.url ?? `https://${target.host}`;
  return {
    environment,
    url,
    revision: `${result.revision}`,
    services: Object.keys(ctx.config.services).map((name) => ({ name, url })),
    namespace: target.namespace,
  };
}

async function deployToRuntime(ctx: StageContext, environment: string, manifest: ReleaseManifest): Promise<DeployedEnvironment> {
  const { ensureLocalResources } = await import('./local/environment-resources.ts');
  const { registryImageSource } = await import('./local/registry-source.ts');
  const { deploy } = await import('./local/runtime/index.ts');
  const { resourceSecretNames } = await import('./local/resources/index.ts');
  const envConfig = ctx.config.environments[environment];
  const registry = await ctx.services.registry();
  const kinds = [...new Set(Object.values(ctx.config.services).flatMap((service) => service.uses))];
  const resources = kinds.length
    ? await ensureLocalResources(join(ctx.home.environmentsDir, 'resources', environment), kinds, `${ctx.config.project}-${environment}`)
    : {};
  for (const env of Object.values(resources)) for (const name of resourceSecretNames(env)) ctx.redactor.add(env[name]);
  const result = await deploy({
    stateDir: ctx.home.environmentsDir,
    environment,
    revision: `${manifest.tag}-run${ctx.run.id}`,
    readyTimeoutMs: 15_000,
    onLog: ctx.log,
    services: Object.entries(ctx.config.services).map(([name, service]) => {
      const image = manifest.images[name];
      const resourceVars = Object.assign({}, ...service.uses.map((kind) => resources[kind]));
      return {
        name,
        image: { source: registryImageSource(registry.client, image.repository), reference: image.digest, digest: image.digest },
        port: service.port,
        env: { ...service.env, ...envConfig.env, ...resourceVars },
        health: service.health,
        readiness: service.readiness ?? service.health,
        routes: service.routes,
      };
    }),
  });
  return { environment, url: result.url, revision: result.revision, services: result.services.map(({ name, url }) => ({ name, url })) };
}

export interface SmokeResults { checks: { check: string; ok: boolean; durationMs: number }[] }

/** HTTP checks and a browser page load against the environment's front door. */
export async function smokeTestEnvironment(ctx: StageContext, deployed: DeployedEnvironment): Promise<SmokeResults> {
  const { runSmokeChecks, smokeFailure } = await import('./verify/smoke/index.ts');
  const artifactsDir = join(ctx.runDir, 'artifacts', 'smoke', deployed.environment);
  const results = await runSmokeChecks({ baseUrl: deployed.url, checks: ctx.config.smoke, chromiumPath: ctx.services.chromiumPath, artifactsDir });
  for (const result of results) ctx.log(`${result.ok ? 'ok  ' : 'FAIL'} ${result.check}: ${result.detail} (${result.durationMs} ms)`);
  const failure = smokeFailure(results);
  if (failure) throw failure;
  return { checks: results.map(({ check, ok, durationMs }) => ({ check, ok, durationMs })) };
}

/** Health, latency, restarts and error log lines over the configured window: the verdict, or a Failure with its evidence. */
export async function judgeEnvironment(ctx: StageContext, deployed: DeployedEnvironment): Promise<StabilityVerdict> {
  const { observeStability, stabilityFailure } = await import('./verify/stability/index.ts');
  const signals = deployed.namespace ? await clusterSignals(ctx, deployed.environment, deployed.namespace) : await runtimeSignals(ctx, deployed);
  const verdict = await observeStability({ ...signals, thresholds: ctx.config.stability });
  const failure = stabilityFailure(verdict);
  if (failure) throw failure;
  return verdict;
}

async function clusterSignals(ctx: StageContext, environment: string, namespace: string) {
  const { kubeStabilitySignals } = await import('./kubernetes/signals/kube-signals.ts');
  const services = Object.entries(ctx.config.services).map(([name, service]) => ({ name, port: service.port, health: service.health }));
  return kubeStabilitySignals(await ctx.services.cluster(environment), { namespace, project: ctx.config.project, services });
}

async function runtimeSignals(ctx: StageContext, deployed: DeployedEnvironment) {
  const { environmentStatus } = await import('./local/runtime/index.ts');
  // Each service's own health endpoint, plus the app's front door through the ingress.
  const probes = deployed.services.map(({ name, url }) => ({ name, url: new URL(ctx.config.services[name].health, url).href }));
  const restarts = async () => (await environmentStatus(ctx.home.environmentsDir, deployed.environment))?.services.reduce((sum, s) => sum + s.restarts, 0) ?? 0;
  return { probes, restarts };
}

/** Says in one line how stable the release is. */
export function describeVerdict(verdict: StabilityVerdict, windowSeconds: number): string {
  const e = verdict.evidence;
  return `stable over ${windowSeconds} s: ${e.samples} samples, error rate ${(e.errorRate * 100).toFixed(1)} %, p95 ${e.p95Ms.toFixed(0)} ms, ${e.restarts} restarts`;
}
