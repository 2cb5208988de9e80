import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gitopsSchema } from '../../config/gitops-schema.ts';
import { embarkConfig, embarkRelease } from '../../test-support/manifest-fixtures.ts';
import { manifestFiles, renderManifests } from '../kubernetes/manifests/index.ts';
import { parseHistory } from './history.ts';
import {
  applicationName,
  displayRemote,
  isRemoteUrl,
  releaseCommitMessage,
  remoteCredentials,
  reviewBranch,
  reviewRequest,
} from './plan.ts';

const release = embarkRelease();

describe('the planned tree', () => {
  it('is one YAML file per rendered object, images pinned by digest, and a kustomization listing them all', () => {
    const objects = renderManifests(embarkConfig(), 'dev', release);
    const tree = manifestFiles(objects);
    expect(tree.at(-1)!.name).toBe('kustomization.yaml');
    expect(tree).toHaveLength(objects.length + 1);
    const kustomization = parse(tree.at(-1)!.text);
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'embark-dev',
      resources: tree.slice(0, -1).map((file) => file.name),
    });
    const deployment = parse(tree.find((file) => file.name === 'deployment-embark-backend.yaml')!.text);
    expect(deployment.spec.template.spec.containers[0].image).toBe(release.images.backend.reference);
    expect(release.images.backend.reference).toMatch(/@sha256:a{64}$/);
    // Pure: the same release always gives the same bytes, so a resumed deploy finds nothing to commit.
    expect(manifestFiles(renderManifests(embarkConfig(), 'dev', release))).toEqual(tree);
  });
});

describe('the commit message', () => {
  it("of a rollback names the release it replaces and the reason, above the release's own lines", () => {
    const message = releaseCommitMessage('embark', 'prod', release, { from: 'v1.6.0', reason: 'checkout answers 500' });
    expect(message.split('\n').slice(0, 5)).toEqual([
      'Roll back embark prod from v1.6.0 to v1.5.0',
      '',
      'Rolled back: checkout answers 500',
      '',
      `Release v1.5.0 (embark 1.5.0), built from commit ${'c'.repeat(40)}.`,
    ]);
    expect(message).toContain('Slipway-Release: v1.5.0\n');
  });

  it('names the release, its source commit and every image by digest, with trailers to read back', () => {
    expect(releaseCommitMessage('embark', 'dev', release)).toBe(
      [
        'Deploy embark v1.5.0 to dev',
        '',
        `Release v1.5.0 (embark 1.5.0), built from commit ${'c'.repeat(40)}.`,
        '',
        'Images:',
        `- backend: 127.0.0.1:5000/embark/backend@sha256:${'a'.repeat(64)}`,
        `- frontend: 127.0.0.1:5000/embark/frontend@sha256:${'b'.repeat(64)}`,
        '',
        'Slipway-Release: v1.5.0',
        `Slipway-Commit: ${'c'.repeat(40)}`,
        '',
      ].join('\n'),
    );
  });
});

describe('review and names', () => {
  const gitops = gitopsSchema.parse({ repository: '../deploy.git', path: 'clusters/prod/embark' });

  it('proposes a release on slipway/<env>/<tag>, with a pull request saying to merge, then approve', () => {
    expect(reviewBranch('prod', 'v1.5.0')).toBe('slipway/prod/v1.5.0');
    const request = reviewRequest('embark', 'prod', release, gitops);
    expect(request.branch).toBe('slipway/prod/v1.5.0');
    expect(request.title).toBe('Deploy embark v1.5.0 to prod');
    expect(request.body).toContain('replaces `clusters/prod/embark`');
    expect(request.body).toContain('Merge this pull request into `main`, then run `slipway approve prod v1.5.0`');
  });

  it('names the Application <project>-<env> unless configured', () => {
    expect(applicationName('embark', 'prod', gitops)).toBe('embark-prod');
    expect(applicationName('embark', 'prod', { ...gitops, application: 'shop' })).toBe('shop');
  });

  it('keeps credentials of a remote URL out of its display form and hands them to the redactor', () => {
    expect(displayRemote('https://x-access-token:ghs_abc123def@github.com/acme/deploy.git')).toBe('https://***@github.com/acme/deploy.git');
    expect(displayRemote('https://ghp_tokenonly99@github.com/acme/deploy.git')).toBe('https://***@github.com/acme/deploy.git');
    expect(displayRemote('git@github.com:acme/deploy.git')).toBe('git@github.com:acme/deploy.git');
    expect(remoteCredentials('https://x-access-token:ghs_abc%2F123@github.com/a/b.git')).toEqual(['ghs_abc%2F123', 'ghs_abc/123']);
    expect(remoteCredentials('https://ghp_tokenonly99@github.com/a/b.git')).toEqual(['ghp_tokenonly99']);
    expect(remoteCredentials('git@github.com:acme/deploy.git')).toEqual([]);
    expect(remoteCredentials('../deploy.git')).toEqual([]);
  });

  it('tells remote URLs from paths relative to the repository', () => {
    expect(['https://h/r.git', 'ssh://git@h/r.git', 'file:///srv/r.git', 'git@github.com:acme/r.git'].map(isRemoteUrl)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['../deploy.git', 'deploy', '/srv/deploy.git'].map(isRemoteUrl)).toEqual([false, false, false]);
  });
});

describe('parseHistory', () => {
  const entry = (commit: string, at: string, release: string) => `${commit}\x1f${at}\x1f${release}\x1e\n`;

  it('lists release commits oldest first, the newest deployed while the path exists, and skips commits of no release', () => {
    const log = [
      entry('3'.repeat(40), '2026-12-03T12:00:00+00:00', 'v1.2.0'),
      entry('2'.repeat(40), '2026-12-02T12:00:00+00:00', ''),
      entry('1'.repeat(40), '2026-12-01T12:00:00+00:00', 'v1.1.0'),
    ].join('');
    expect(parseHistory(log, true)).toEqual([
      { revision: '111111111111 (v1.1.0)', at: '2026-12-01T12:00:00+00:00', outcome: 'superseded' },
      { revision: '333333333333 (v1.2.0)', at: '2026-12-03T12:00:00+00:00', outcome: 'deployed' },
    ]);
    expect(parseHistory(log, false).map((record) => record.outcome)).toEqual(['superseded', 'superseded']);
    expect(parseHistory('', true)).toEqual([]);
  });
});
