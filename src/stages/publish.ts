import type { PipelineStage } from './context.ts';
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
    const { promoteImage } = await import('../release/registry/index.ts');
    const { isPrerelease } = await import('../deploy/promotion/index.ts');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const promoted: Record<string, string> = {};
    // A prerelease is published as one; `stable` keeps naming the newest stable release's images.
    const prerelease = isPrerelease(manifest.version);
    if (!prerelease) {
      const registry = await ctx.adapters.registry();
      for (const [service, image] of Object.entries(manifest.images)) {
        await promoteImage({ client: registry.client, repository: image.repository, digest: image.digest, tag: publishedTag });
        promoted[service] = `${image.repository}:${publishedTag}`;
      }
    }
    const published = await (await ctx.adapters.forge()).publishRelease(manifest.tag);
    return {
      summary: prerelease
        ? `prerelease ${published.tag} published; images keep their version tags (${publishedTag} names stable releases only)`
        : `release ${published.tag} published; images tagged ${publishedTag} by digest`,
      outputs: { tag: published.tag, promoted },
    };
  },
};
