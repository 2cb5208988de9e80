import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { ReleaseOutputs } from './release.ts';
import { readReleaseManifest, type Forge, type ForgeRelease } from '../release/forge/forge.ts';
import type { ReleaseManifest } from '../release/manifest.ts';

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
      const { release: found, manifest } = await releaseOnForge(await ctx.adapters.forge(), tag);
      const status = found.draft ? 'draft' : 'published';
      return {
        summary: `${tag} (${status}, commit ${manifest.commit.slice(0, 10)}), images by digest`,
        outputs: { manifest, releaseId: found.id, manifestPath: '', releaseUrl: found.url },
      };
    },
  };
}

/** A release the forge has, with its release manifest: what was built and verified, by digest. */
export async function releaseOnForge(forge: Forge, tag: string): Promise<{ release: ForgeRelease; manifest: ReleaseManifest }> {
  const releases = await forge.listReleases();
  const release = releases.find((candidate) => candidate.tag === tag);
  if (!release) {
    const known = releases.map((candidate) => candidate.tag);
    throw new Failure(`no release ${tag} in ${forge.repository}`, {
      details: [known.length ? `releases: ${known.slice(0, 10).join(', ')}` : 'no release has been created yet'],
      hint: 'name a release a run created, by its tag (see `slipway runs`)',
    });
  }
  return { release, manifest: await readReleaseManifest(forge, release) };
}
