import type { PipelineStage } from './context.ts';
import { formatBytes } from '../shared/bytes.ts';
import type { ReleaseImage } from '../release/manifest.ts';
import type { ImageOutputs } from './image.ts';
import type { VersionOutputs } from './version.ts';

export interface PushOutputs {
  registry: string;
  images: Record<string, ReleaseImage>;
  uploadedBytes: number;
}

/** Stage 7: push each image that passed the vulnerability gate to the registry under its version and `sha-<commit>`; verify the digest. */
export const push: PipelineStage<PushOutputs> = {
  id: 'push',
  title: 'Push',
  phase: 'ci',
  needs: ['image', 'scan'],
  failure: 'Unable to upload image to container registry',
  async run(ctx) {
    const { pushImage } = await import('../release/image/index.ts');
    const { images } = ctx.output<ImageOutputs>('image');
    const { plan } = ctx.output<VersionOutputs>('version');
    const registry = await ctx.adapters.registry();
    const pushed: Record<string, ReleaseImage> = {};
    let uploadedBytes = 0;
    let skipped = 0;
    let mounted = 0;
    for (const [service, built] of Object.entries(images)) {
      const repository = [registry.namespace, ctx.config.project, service].filter(Boolean).join('/');
      const tags = [plan.releaseVersion, `sha-${ctx.run.commit}`];
      // Layers the services share (base, dependencies) are mounted from the repositories pushed before.
      const mountFrom = Object.values(pushed).map((image) => image.repository);
      const result = await pushImage({ image: built, client: registry.client, repository, tags, mountFrom });
      uploadedBytes += result.uploadedBytes;
      skipped += result.skippedBlobs;
      mounted += result.mountedBlobs;
      ctx.log(
        `${service}: ${repository}@${result.digest}: ${result.uploadedBlobs} blobs uploaded, ${result.mountedBlobs} mounted, ${result.skippedBlobs} already there`,
      );
      pushed[service] = {
        repository,
        reference: `${registry.host}/${repository}@${result.digest}`,
        digest: result.digest,
        size: built.size,
        tags,
      };
    }
    return {
      summary: `${Object.keys(pushed).length} images to ${registry.host}: ${formatBytes(uploadedBytes)} uploaded, ${mounted} blobs mounted from another repository, ${skipped} already there`,
      outputs: { registry: registry.host, images: pushed, uploadedBytes },
    };
  },
};
