import type { ReleaseManifest } from '../manifest.ts';

export interface Release {
  id: number;
  tag: string;
  name: string;
  body: string;
  draft: boolean;
  createdAt: string;
  publishedAt?: string;
  manifest: ReleaseManifest;
  commit: string;
}

export type ReleaseAction = 'created' | 'published';

/**
 * The `release` event payload, shaped like GitHub's so a receiver written for GitHub works with
 * the local forge; the manifest rides along under `slipway`, since the release is what names it.
 */
export function releaseEventPayload(action: ReleaseAction, release: Release): object {
  return {
    action,
    release: {
      id: release.id,
      tag_name: release.tag,
      target_commitish: release.commit,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: false,
      created_at: release.createdAt,
      published_at: release.publishedAt ?? null,
    },
    slipway: { manifest: release.manifest },
  };
}
