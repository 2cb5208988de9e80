import { join } from 'node:path';
import type { Stage } from '../engine/stage.ts';
import type { ReleaseOutputs } from './release.ts';
import { targetEnvironment } from './target.ts';

export interface DeployOutputs { environment: string; url: string; revision: string; services: { name: string; url: string }[] }

/**
 * Stage 12: the release's images, pulled by digest, run in the target environment. The embedded
 * default deploys to the local runtime; the old revision keeps serving until the new one is ready.
 */
export const deploy: Stage<DeployOutputs> = {
  id: 'deploy',
  title: 'Deploy',
  phase: 'release',
  needs: ['integration', 'k8s-tests'],
  failure: 'Failed to deploy to nonprod env',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { ensureLocalResources } = await import('../environments/local-resources.ts');
    const { registryImageSource } = await import('../environments/registry-source.ts');
    const { deploy: deployToRuntime } = await import('../runtime/index.ts');
    const { resourceSecretNames } = await import('../services/index.ts');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const environment = targetEnvironment(ctx.config);
    const envConfig = ctx.config.environments[environment];
    const registry = await ctx.services.registry();
    const kinds = [...new Set(Object.values(ctx.config.services).flatMap((service) => service.uses))];
    const resources = kinds.length
      ? await ensureLocalResources(join(ctx.home.environmentsDir, 'resources', environment), kinds, `${ctx.config.project}-${environment}`)
      : {};
    for (const env of Object.values(resources)) for (const name of resourceSecretNames(env)) ctx.redactor.add(env[name]);
    const revision = `${manifest.tag}-run${ctx.run.id}`;
    const result = await deployToRuntime({
      stateDir: ctx.home.environmentsDir,
      environment,
      revision,
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
    return {
      summary: `${manifest.tag} live in ${environment} at ${result.url}`,
      outputs: { environment, url: result.url, revision: result.revision, services: result.services.map(({ name, url }) => ({ name, url })) },
    };
  },
};
