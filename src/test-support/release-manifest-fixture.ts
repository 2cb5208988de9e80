import type { ReleaseManifest } from '../release/manifest.ts';

/** A release manifest as the release stage writes it, for forge tests. */
export function sampleManifest(tag: string, commit = 'abc1230'.padEnd(40, '0')): ReleaseManifest {
  return {
    schemaVersion: 1,
    project: 'embark',
    commit,
    version: tag.replace(/^v/, ''),
    tag,
    changelog: '- backend: faster boot',
    createdAt: '2026-11-25T12:00:00.000Z',
    registry: '127.0.0.1:5000',
    images: {
      backend: {
        repository: 'embark/backend',
        reference: `127.0.0.1:5000/embark/backend@sha256:${'1'.repeat(64)}`,
        digest: `sha256:${'1'.repeat(64)}`,
        size: 1234,
        tags: [tag],
      },
    },
    packages: { '@embark/backend': tag.replace(/^v/, '') },
  };
}
