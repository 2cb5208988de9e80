import { Failure } from '../../shared/feedback/failure.ts';
import type { ReleaseManifest } from '../manifest.ts';

/** A file attached to a release (the release manifest, an image's SBOM). */
export interface ReleaseAsset {
  id: number;
  name: string;
  size: number;
  contentType: string;
}

/** A release as the forge keeps it. */
export interface ForgeRelease {
  id: number;
  tag: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  /** The commit the release was made from (GitHub's target_commitish). */
  commit: string;
  /** The release's page. */
  url: string;
  assets: ReleaseAsset[];
}

export interface NewAsset {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface NewRelease {
  tag: string;
  name: string;
  body: string;
  commit: string;
  prerelease?: boolean;
  /** Every asset is attached before the release can be published (published releases may be immutable). */
  assets: NewAsset[];
}

/** Where a repository's releases live, and how the release half is started: GitHub, or the embedded stand-in that speaks its API. */
export interface Forge {
  /** "owner/name". */
  readonly repository: string;
  /**
   * A draft release with its assets. Idempotent per tag: a draft already there for the same commit
   * (a resumed run) gets the assets it lacks; one for another commit is refused.
   */
  createDraftRelease(release: NewRelease): Promise<ForgeRelease>;
  /** Drafts included (GitHub's lookup by tag finds published releases only). */
  findRelease(tag: string): Promise<ForgeRelease | undefined>;
  /** Newest first. */
  listReleases(): Promise<ForgeRelease[]>;
  downloadAsset(release: ForgeRelease, name: string): Promise<Buffer>;
  /** Publishing again changes nothing. */
  publishRelease(tag: string): Promise<ForgeRelease>;
  /** Appends a note to a release's notes (a rollback's record); a note already there is not added again. */
  annotateRelease(tag: string, note: string): Promise<ForgeRelease>;
  /** A `repository_dispatch` event: starts workflows even when sent with Actions' own token. */
  dispatch(eventType: string, clientPayload: Record<string, unknown>): Promise<void>;
}

/** The asset every Slipway release carries: what was built and verified, by digest. */
export const manifestAssetName = 'release.json';

/** The release manifest attached to a release, checked against the release it came with. */
export async function readReleaseManifest(forge: Forge, release: ForgeRelease): Promise<ReleaseManifest> {
  const where = `${forge.repository} release ${release.tag}`;
  if (!release.assets.some((asset) => asset.name === manifestAssetName)) {
    throw new Failure(`${where} has no ${manifestAssetName} asset, so it is not a release Slipway made`, {
      details: [`assets: ${release.assets.map((asset) => asset.name).join(', ') || 'none'}`],
      hint: 'release a commit with `slipway run`: it attaches the release manifest to the release it creates',
    });
  }
  const text = (await forge.downloadAsset(release, manifestAssetName)).toString('utf8');
  let manifest: Partial<ReleaseManifest>;
  try {
    manifest = JSON.parse(text) as Partial<ReleaseManifest>;
  } catch (error) {
    throw new Failure(`${where}: ${manifestAssetName} is not valid JSON`, { details: [(error as Error).message] });
  }
  const problems = [
    manifest.schemaVersion === 1 ? '' : `schemaVersion is ${JSON.stringify(manifest.schemaVersion)}, not 1`,
    manifest.tag === release.tag ? '' : `tag is ${JSON.stringify(manifest.tag)}, not the release's ${release.tag}`,
    typeof manifest.commit === 'string' && /^[0-9a-f]{40}$/.test(manifest.commit) ? '' : 'commit is not a full commit id',
    manifest.images && typeof manifest.images === 'object' ? '' : 'images is missing',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new Failure(`${where}: ${manifestAssetName} is not a release manifest for this release`, {
      details: problems,
      hint: 'the asset was replaced or edited after the release was made: release the commit again with `slipway run`',
    });
  }
  return manifest as ReleaseManifest;
}
