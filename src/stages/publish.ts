import type { PipelineStage } from './context.ts';
import { promoteImage } from '../release/registry/index.ts';
import type { ReleaseOutputs } from './release.ts';

export interface PublishOutputs {
  tag: string;
  promoted: Record<string, string>;
}

/** The tag every image of a published release carries, added by digest (no rebuild). */
export const publishedTag = 'stable';

/** Stage 15: publish the release and promote its images by digest. */
export const publish: PipelineStage<PublishOutputs> = {
  id: 'publish',
  title: 'Publish',
  phase: 'release',
  needs: ['stability'],
  failure: 'Publish failed',
  async run(ctx) {
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const registry = await ctx.adapters.registry();
    const promoted: Record<string, string> = {};
    for (const [service, image] of Object.entries(manifest.images)) {
      await promoteImage({ client: registry.client, repository: image.repository, digest: image.digest, tag: publishedTag });
      promoted[service] = `${image.repository}:${publishedTag}`;
    }
    const published = await (await ctx.adapters.forge()).publishRelease(manifest.tag);
    return {
      summary: `release ${published.tag} published; images tagged ${publishedTag} by digest`,
      outputs: { tag: published.tag, promoted },
    };
  },
};
