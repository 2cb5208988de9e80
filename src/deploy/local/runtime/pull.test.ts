import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../../shared/feedback/failure.ts';
import { sha256 } from '../../../shared/hash.ts';
import { ociLayoutSource } from './image-source.ts';
import { writeOciImage } from '../../../test-support/oci-layout-writer.ts';
import { imageDir, pullImage } from './pull.ts';

let work: string;
let layout: string;
let stateDir: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-pull-'));
  layout = join(work, 'layout');
  stateDir = join(work, 'state');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const config = { Entrypoint: ['node'], Cmd: ['/app/server.mjs'], Env: ['NODE_ENV=production'], WorkingDir: '/app', User: '65532:65532' };

async function pull(digest: string) {
  return pullImage({ source: ociLayoutSource(layout), reference: `embark/backend@${digest}`, digest, stateDir, image: 'embark/backend' });
}

describe('pullImage', () => {
  it('applies layers in order with whiteouts, keeps the image config, and unpacks a digest once', async () => {
    const { digest } = await writeOciImage(layout, {
      tag: 'v1',
      config,
      layers: [
        {
          gzip: true,
          entries: [
            { path: 'app/server.mjs', content: 'console.log("v1")' },
            { path: 'app/old.txt', content: 'old' },
            { path: 'cache/a.txt', content: 'a' },
            { path: 'cache/b.txt', content: 'b' },
            { path: 'bin/tool', content: '#!/bin/sh\n', mode: 0o755 },
            { path: 'bin/tool-link', symlinkTo: 'tool' },
          ],
        },
        {
          gzip: false,
          entries: [
            { path: 'app/.wh.old.txt', content: '' },
            { path: 'cache/.wh..wh..opq', content: '' },
            { path: 'cache/c.txt', content: 'c' },
            { path: 'app/server.mjs', content: 'console.log("v2")' },
          ],
        },
      ],
    });
    const pulled = await pull(digest);
    const rootfs = pulled.rootfs;
    expect(pulled).toMatchObject({ digest, cached: false, rootfs: join(imageDir(stateDir, digest), 'rootfs') });
    expect(pulled.config).toEqual({
      entrypoint: ['node'],
      cmd: ['/app/server.mjs'],
      env: ['NODE_ENV=production'],
      workingDir: '/app',
      user: '65532:65532',
    });
    expect(await readFile(join(rootfs, 'app/server.mjs'), 'utf8')).toBe('console.log("v2")');
    expect(await readdir(join(rootfs, 'app'))).toEqual(['server.mjs']);
    expect(await readdir(join(rootfs, 'cache'))).toEqual(['c.txt']);
    expect((await lstat(join(rootfs, 'bin/tool'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(rootfs, 'bin/tool-link'))).toBe('tool');
    if (process.getuid?.() === 0) expect((await lstat(join(rootfs, 'dev/null'))).isCharacterDevice()).toBe(true);
    expect((await lstat(join(rootfs, 'tmp'))).mode & 0o7777).toBe(0o1777);

    await writeFile(join(rootfs, 'marker'), 'left by the first pull');
    const again = await pull(digest);
    expect(again.cached).toBe(true);
    expect(await readFile(join(again.rootfs, 'marker'), 'utf8')).toBe('left by the first pull');
    expect(await readdir(join(stateDir, 'images'))).toEqual([`sha256-${digest.slice(7)}`]);
  });

  it('keeps a layer inside the rootfs even when an earlier layer links a directory outside it', async () => {
    const outside = join(work, 'outside');
    const { digest } = await writeOciImage(layout, {
      tag: 'evil',
      config,
      layers: [
        {
          gzip: true,
          entries: [
            { path: 'etc', symlinkTo: outside },
            { path: 'up', symlinkTo: '../../../..' },
            { path: 'dev', symlinkTo: outside },
          ],
        },
        {
          gzip: true,
          entries: [
            { path: 'etc/passwd', content: 'root::0:0' },
            { path: 'up/escaped.txt', content: 'x' },
          ],
        },
      ],
    });
    const { rootfs } = await pull(digest);
    // As a chrooted process sees it: /etc -> <rootfs><outside>, /up -> /.
    expect(await readFile(join(rootfs, outside, 'passwd'), 'utf8')).toBe('root::0:0');
    expect(await readFile(join(rootfs, 'escaped.txt'), 'utf8')).toBe('x');
    await expect(lstat(outside)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a layer whose content does not match its digest, leaving nothing unpacked', async () => {
    const { digest, layers } = await writeOciImage(layout, {
      tag: 'v1',
      config,
      layers: [{ gzip: true, entries: [{ path: 'app/server.mjs', content: 'ok' }] }],
    });
    const layerDigest = layers[0].digest;
    await writeFile(join(layout, 'blobs/sha256', layerDigest.slice(7)), 'tampered');
    const error = await pull(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe(`image embark/backend: layer ${layerDigest} does not match its digest`);
    expect((error as Failure).details).toEqual([
      `expected ${layerDigest}`,
      `received content hashing to sha256:${sha256('tampered')}`,
      `pulled from embark/backend@${digest}`,
    ]);
    expect(await readdir(join(stateDir, 'images'))).toEqual([]);
  });

  it('rejects a manifest that does not match the digest the release recorded', async () => {
    await writeOciImage(layout, { tag: 'v1', config, layers: [] });
    const recorded = `sha256:${'0'.repeat(64)}`;
    const source = ociLayoutSource(layout);
    const error = await pullImage({ source, reference: 'v1', digest: recorded, stateDir, image: 'embark/backend' }).catch(
      (e: unknown) => e,
    );
    expect((error as Failure).specific).toBe(`image embark/backend: manifest ${recorded} does not match its digest`);
  });

  it('follows an image index to the manifest for this platform', async () => {
    const { digest } = await writeOciImage(layout, {
      tag: 'v1',
      config,
      layers: [{ gzip: true, entries: [{ path: 'app/server.mjs', content: 'indexed' }] }],
    });
    const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${'2'.repeat(64)}`,
            size: 1,
            platform: { os: 'linux', architecture: 's390x' },
          },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1, platform: { os: 'linux', architecture: arch } },
        ],
      }),
    );
    const indexDigest = `sha256:${sha256(index)}`;
    await writeFile(join(layout, 'blobs/sha256', indexDigest.slice(7)), index);
    const { rootfs } = await pull(indexDigest);
    expect(await readFile(join(rootfs, 'app/server.mjs'), 'utf8')).toBe('indexed');
  });

  it('names a reference the layout does not hold', async () => {
    await writeOciImage(layout, { tag: 'v1', config, layers: [] });
    const error = await pullImage({
      source: ociLayoutSource(layout),
      reference: 'v9',
      digest: `sha256:${'1'.repeat(64)}`,
      stateDir,
      image: 'embark/backend',
    }).catch((e: unknown) => e);
    expect((error as Failure).specific).toBe(`image v9 is not in the OCI layout ${layout}`);
  });
});
