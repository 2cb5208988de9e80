import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { ReleaseOutputs } from './release.ts';
import { readReleaseManifest } from '../release/forge/forge.ts';

/**
 * The release a promotion or a release half on another runner carries on with (`slipway approve`,
 * `slipway release`), read back from the forge's release manifest asset: the same digests that
 * were built and pushed, never a rebuild. It stands in for the release stage.
 */
export function recordedRelease(tag: string): PipelineStage<ReleaseOutputs> {
  return {
    id: 'release',
    title: 'Release',
    phase: 'release',
    needs: [],
    failure: 'Could not find the release',
    async run(ctx) {
      const forge = await ctx.adapters.forge();
      const releases = await forge.listReleases();
      const found = releases.find((release) => release.tag === tag);
      if (!found) {
        const known = releases.map((release) => release.tag);
        throw new Failure(`no release ${tag} in ${forge.repository}`, {
          details: [known.length ? `releases: ${known.slice(0, 10).join(', ')}` : 'no release has been created yet'],
          hint: 'name a release a run created, by its tag (see `slipway runs`)',
        });
      }
      const manifest = await readReleaseManifest(forge, found);
      const status = found.draft ? 'draft' : 'published';
      return {
        summary: `${tag} (${status}, commit ${manifest.commit.slice(0, 10)}), images by digest`,
        outputs: { manifest, releaseId: found.id, manifestPath: '', releaseUrl: found.url },
      };
    },
  };
}
