import { join } from 'node:path';
import type { Adapters, PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { BuiltImage } from '../release/image/index.ts';
import type { RegistryApi } from '../release/registry/index.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import type { VersionOutputs } from './version.ts';

export interface ImageOutputs {
  images: Record<string, BuiltImage>;
  /** The version each service's image is labelled with (its package's version in this release). */
  versions: Record<string, string>;
}

/** Stage 6: each service's image, built once, daemonless and reproducibly, identified by digest. */
export const image: PipelineStage<ImageOutputs> = {
  id: 'image',
  title: 'Images',
  phase: 'ci',
  needs: ['version'],
  failure: 'Image failed to build',
  async run(ctx) {
    const { plan } = ctx.output<VersionOutputs>('version');
    const { buildServiceImage } = await import('../release/image/index.ts');
    const workspace = await discoverWorkspace(ctx.repoDir);
    const images: Record<string, BuiltImage> = {};
    const versions: Record<string, string> = {};
    for (const [service, settings] of Object.entries(ctx.config.services)) {
      const pkg = workspace.packages.find((p) => p.name === settings.package);
      if (!pkg) {
        throw new Failure(`service ${service} names package "${settings.package}", which is not in the workspace`, {
          details: [`packages: ${workspace.packages.map((p) => p.name).join(', ')}`],
          hint: `fix services.${service}.package in the Slipway configuration`,
        });
      }
      const version = plan.releases.find((r) => r.name === pkg.name)?.newVersion ?? pkg.version;
      versions[service] = version;
      images[service] = await buildServiceImage({
        base: settings.base ? { reference: settings.base, client: await baseRegistry(settings.base, ctx.adapters) } : undefined,
        workspaceRoot: ctx.repoDir,
        packageDir: pkg.dir,
        command: settings.command,
        port: settings.port,
        env: settings.env,
        labels: { source: ctx.repoDir, revision: ctx.run.commit, version },
        cacheDir: join(ctx.home.cacheDir, 'image-layers'),
        outDir: join(ctx.runDir, 'images', service),
      });
      const reused = images[service].layers.filter((layer) => layer.reused).length;
      ctx.log(`${service}: ${images[service].manifestDigest} (${images[service].layers.length} layers, ${reused} reused)`);
    }
    return {
      summary: Object.entries(images)
        .map(([service, built]) => `${service} ${built.manifestDigest.slice(0, 19)}…`)
        .join(', '),
      outputs: { images, versions },
    };
  },
};

/** The run's own registry when the base lives there (with its credentials), else the base's registry, anonymously. */
async function baseRegistry(reference: string, adapters: Adapters): Promise<RegistryApi> {
  const [{ parseImageReference, registryUrlOf }, { RegistryClient }] = await Promise.all([
    import('../release/image/index.ts'),
    import('../release/registry/index.ts'),
  ]);
  const { registry } = parseImageReference(reference);
  const own = await adapters.registry();
  return registry === own.host ? own.client : new RegistryClient({ url: registryUrlOf(registry) });
}
