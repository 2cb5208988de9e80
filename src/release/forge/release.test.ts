import { describe, expect, it } from 'vitest';
import { releaseEventPayload, type Release } from './release.ts';
import { sampleManifest } from '../../test-support/release-manifest-fixture.ts';

describe('releaseEventPayload', () => {
  it("shapes the event like GitHub's release event, with the manifest under slipway", () => {
    const release: Release = {
      id: 7,
      tag: 'v1.5.0',
      name: 'v1.5.0',
      body: '## Changes',
      draft: true,
      createdAt: '2026-11-25T12:00:00.000Z',
      manifest: sampleManifest('v1.5.0'),
      commit: 'abc123',
    };
    expect(releaseEventPayload('created', release)).toEqual({
      action: 'created',
      release: {
        id: 7,
        tag_name: 'v1.5.0',
        target_commitish: 'abc123',
        name: 'v1.5.0',
        body: '## Changes',
        draft: true,
        prerelease: false,
        created_at: '2026-11-25T12:00:00.000Z',
        published_at: null,
      },
      slipway: { manifest: sampleManifest('v1.5.0') },
    });
    expect(releaseEventPayload('published', { ...release, draft: false, publishedAt: '2026-11-25T12:01:00.000Z' })).toMatchObject({
      action: 'published',
      release: { draft: false, published_at: '2026-11-25T12:01:00.000Z' },
    });
  });
});
