import { join } from 'node:path';
import type { Stage } from '../engine/stage.ts';
import type { ReleaseOutputs } from './release.ts';
import { targetEnvironment } from '../config/environments.ts';

export interface K8sAssetsOutputs { environment: string; dir: string; files: string[] }

/**
 * Stage 10: the Kubernetes manifests of the target environment, rendered from the release
 * manifest, and the access to its cluster (a kubeconfig, the service account, or Lightkeeper).
 */
export const k8sAssets: Stage<K8sAssetsOutputs> = {
  id: 'k8s-assets',
  title: 'Kubernetes assets',
  phase: 'release',
  needs: ['release'],
  failure: 'Lightkeeper failed to build assets',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { renderManifests, writeManifests } = await import('../deploy/kubernetes/manifests/index.ts');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const environment = targetEnvironment(ctx.config);
    const objects = renderManifests(ctx.config, environment, manifest);
    const dir = join(ctx.runDir, 'k8s', environment);
    const files = await writeManifests(objects, dir);
    const summary = `${objects.length} objects for ${environment} in ${dir}`;
    if (!ctx.config.environments[environment].cluster) return { summary, outputs: { environment, dir, files } };
    const access = await ctx.services.cluster(environment);
    return { summary: `${summary}; cluster ${access.cluster} at ${access.server} through ${access.source}`, outputs: { environment, dir, files } };
  },
};
