import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { ReleaseOutputs } from './release.ts';

/**
 * The release a promotion carries on with (`slipway approve`), read back from the forge: the same
 * manifest and digests that were verified, never a rebuild. It stands in for the release stage.
 */
export function recordedRelease(tag: string): PipelineStage<ReleaseOutputs> {
  return {
    id: 'release',
    title: 'Release',
    phase: 'release',
    needs: [],
    failure: 'Could not find the release',
    async run(ctx) {
      const forge = ctx.adapters.forge();
      const found = await forge.getRelease(tag);
      if (!found) {
        const known = (await forge.listReleases()).map((release) => release.tag);
        throw new Failure(`no release ${tag} in this repository's forge`, {
          details: [known.length ? `releases: ${known.slice(-10).join(', ')}` : 'no release has been created yet'],
          hint: 'approve a release a run created, by its tag (see `slipway runs`)',
        });
      }
      const status = found.draft ? 'draft' : 'published';
      return {
        summary: `${tag} (${status}, commit ${found.commit.slice(0, 10)}), images by digest`,
        outputs: { manifest: found.manifest, releaseId: found.id, manifestPath: '' },
      };
    },
  };
}
