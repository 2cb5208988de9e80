import { join } from 'node:path';
import { targetEnvironment } from '../config/environments.ts';
import type { PipelineStage } from './context.ts';
import type { ReleaseOutputs } from './release.ts';

export interface K8sAssetsOutputs {
  environment: string;
  dir: string;
  files: string[];
}

/**
 * Stage 10: the Kubernetes manifests of the target environment, rendered from the release
 * manifest, and the access to its deploy target (a kubeconfig, the service account, or Lightkeeper).
 */
export const k8sAssets: PipelineStage<K8sAssetsOutputs> = {
  id: 'k8s-assets',
  title: 'Kubernetes assets',
  phase: 'release',
  needs: ['release'],
  failure: 'Lightkeeper failed to build assets',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { writeManifests } = await import('../deploy/kubernetes/manifests/index.ts');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const environment = targetEnvironment(ctx.config);
    const target = await ctx.adapters.deployTarget(environment);
    const objects = target.render(manifest);
    const dir = join(ctx.runDir, 'k8s', environment);
    const files = await writeManifests(objects, dir);
    const where = await target.connect();
    return {
      summary: `${objects.length} objects for ${environment} in ${dir}${where ? `; ${where}` : ''}`,
      outputs: { environment, dir, files },
    };
  },
};
