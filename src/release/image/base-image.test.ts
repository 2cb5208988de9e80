import { describe, expect, it } from 'vitest';
import { basePath, checkBaseRootfs, configOnBase } from './base-config.ts';
import { baseLayers, classifyManifest, selectPlatform } from './base-manifest.ts';
import { imageConfig } from './image-config.ts';
import { parseImageReference, registryUrlOf } from './image-reference.ts';
import { failureFrom } from '../../test-support/failure-of.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('parses registry, repository, tag and digest', () => {
    expect(parseImageReference('127.0.0.1:5000/base/node:20')).toEqual({ registry: '127.0.0.1:5000', repository: 'base/node', tag: '20' });
    expect(parseImageReference(`ghcr.io/acme/node-base@${digest}`)).toEqual({ registry: 'ghcr.io', repository: 'acme/node-base', digest });
    expect(parseImageReference('node:20-slim')).toEqual({ registry: 'docker.io', repository: 'library/node', tag: '20-slim' });
    expect(parseImageReference('localhost/acme/node:1')).toMatchObject({ registry: 'localhost', repository: 'acme/node' });
  });

  it('refuses references without a tag or digest, and malformed ones', () => {
    expect(failureFrom(() => parseImageReference('ghcr.io/acme/node')).specific).toBe(
      'the base image reference "ghcr.io/acme/node" is not valid: it names neither a tag nor a digest; pin one so builds are reproducible',
    );
    expect(failureFrom(() => parseImageReference('ghcr.io/Acme/node:1')).specific).toBe(
      'the base image reference "ghcr.io/Acme/node:1" is not valid: "Acme/node" is not a valid repository name (lower-case letters, digits and separators)',
    );
    expect(failureFrom(() => parseImageReference('ghcr.io/acme/node@sha256:12')).specific).toBe(
      'the base image reference "ghcr.io/acme/node@sha256:12" is not valid: "sha256:12" is not a sha256 digest',
    );
  });

  it('dials loopback registries over HTTP and Docker Hub at its API host', () => {
    expect(registryUrlOf('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryUrlOf('ghcr.io')).toBe('https://ghcr.io');
    expect(registryUrlOf('docker.io')).toBe('https://registry-1.docker.io');
  });
});

describe('base manifests', () => {
  it('reads a Docker schema 2 manifest and renames its layer types to OCI', () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { digest, size: 10 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest, size: 5 }],
      }),
    );
    const manifest = classifyManifest(body, '', 'ref');
    expect(manifest.kind).toBe('image');
    if (manifest.kind !== 'image') return;
    expect(baseLayers(manifest.layers, 'ref')).toEqual([{ digest, size: 5, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }]);
    const foreign = failureFrom(() =>
      baseLayers([{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest, size: 5 }], 'ref'),
    );
    expect(foreign.specific).toBe(
      'the base image ref has a layer of unsupported type "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"',
    );
  });

  it('picks the platform from a Docker manifest list, matching a variant only when both name one', () => {
    const manifests = [
      { digest: 'a', size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { digest: 'b', size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ];
    expect(selectPlatform(manifests, { os: 'linux', architecture: 'arm64' }, 'ref').digest).toBe('b');
    expect(failureFrom(() => selectPlatform(manifests, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'ref')).details).toEqual([
      'it offers: linux/arm/v6, linux/arm64/v8',
    ]);
  });
});

describe('the config on a base', () => {
  const base = {
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/usr/local/bin:/usr/bin', 'NODE_VERSION=20.1.0', 'NODE_ENV=development'],
      Entrypoint: ['docker-entrypoint.sh'],
      Cmd: ['node'],
      Labels: { maintainer: 'acme' },
    },
    rootfs: { type: 'layers', diff_ids: [digest] },
    history: [{ created_by: 'ADD rootfs' }, { created_by: 'ENV PATH', empty_layer: true }],
  };
  const ours = imageConfig({
    created: new Date(0),
    architecture: 'amd64',
    entrypoint: ['node', 'dist/server.js'],
    workingDir: '/app',
    user: '65532:65532',
    env: { NODE_ENV: 'production', PORT: '8080' },
    port: 8080,
    labels: { 'org.opencontainers.image.title': 'svc' },
    layers: [{ blob: { digest: 'sha256:b', size: 1, diffId: 'sha256:c', mediaType: 'x' }, createdBy: 'slipway app: svc' }],
  });

  it("keeps the base's Env, labels, diff_ids and history, overrides ours, and drops its Cmd", () => {
    expect(configOnBase(base, ours)).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin', 'NODE_VERSION=20.1.0', 'NODE_ENV=production', 'PORT=8080'],
        Entrypoint: ['node', 'dist/server.js'],
        User: '65532:65532',
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {} },
        Labels: { maintainer: 'acme', 'org.opencontainers.image.title': 'svc' },
      },
      rootfs: { type: 'layers', diff_ids: [digest, 'sha256:c'] },
      history: [...base.history, { created: '1970-01-01T00:00:00Z', created_by: 'slipway app: svc' }],
    });
  });

  it('needs a PATH to find node, and one diff_id per layer', () => {
    expect(basePath(base, 'ref')).toBe('/usr/local/bin:/usr/bin');
    expect(failureFrom(() => basePath({ config: { Env: [] } }, 'ref')).specific).toBe(
      'the base image ref sets no PATH, so the entrypoint cannot find node',
    );
    expect(failureFrom(() => checkBaseRootfs(base, 2, 'ref')).specific).toBe(
      'the base image ref is inconsistent: its manifest has 2 layer(s) but its config lists 1 diff_id(s)',
    );
  });
});
