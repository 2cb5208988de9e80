import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceImage, type BuiltImage } from '../image/index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';
import { exec } from '../../shared/exec.ts';
import { pushImage } from '../image/index.ts';
import { LayoutRegistry, promoteImage } from './index.ts';

// The registry of the embedded default where Debian's docker-registry is not installed:
// OCI image layouts on disk, which skopeo reads with its oci: transport.
describe('LayoutRegistry', () => {
  let dir: string;
  let image: BuiltImage;
  const repository = 'embark/backend';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-layout-registry-'));
    image = await buildServiceImage(await createTestImageSpec(dir));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a push, skips what it has, and skopeo reads the same digest', async () => {
    const registry = new LayoutRegistry(join(dir, 'layouts'));
    const first = await pushImage({ image, client: registry, repository, tags: ['1.4.0', 'sha-abc123'] });
    expect(first).toMatchObject({
      digest: image.manifestDigest,
      reference: `oci-layout/${repository}@${image.manifestDigest}`,
      uploadedBlobs: 4,
      skippedBlobs: 0,
    });
    const again = await pushImage({ image, client: registry, repository, tags: ['1.4.0'] });
    expect(again).toMatchObject({ uploadedBlobs: 0, skippedBlobs: 4, uploadedBytes: 0 });
    const inspect = await exec('skopeo', ['inspect', `oci:${join(dir, 'layouts', repository)}:1.4.0`]);
    expect(inspect.code, inspect.output).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifestDigest);
  });

  it('promotes by digest without copying a layer', async () => {
    const registry = new LayoutRegistry(join(dir, 'layouts'));
    await promoteImage({ client: registry, repository, digest: image.manifestDigest, tag: 'stable' });
    expect((await registry.getManifest(repository, 'stable')).digest).toBe(image.manifestDigest);
    expect((await registry.getManifest(repository, '1.4.0')).digest).toBe(image.manifestDigest);
  });

  it('mounts blobs from another repository by hard link, and skopeo reads the same digest', async () => {
    const registry = new LayoutRegistry(join(dir, 'layouts'));
    const result = await pushImage({
      image,
      client: registry,
      repository: 'embark/frontend',
      tags: ['1.4.0'],
      mountFrom: ['embark/missing', repository],
    });
    expect(result).toMatchObject({ mountedBlobs: 4, uploadedBlobs: 0, uploadedBytes: 0, skippedBlobs: 0 });
    const blob = (repo: string) => join(dir, 'layouts', repo, 'blobs', 'sha256', image.layers[0].digest.slice(7));
    expect((await stat(blob('embark/frontend'))).ino).toBe((await stat(blob(repository))).ino);
    const inspect = await exec('skopeo', ['inspect', `oci:${join(dir, 'layouts', 'embark/frontend')}:1.4.0`]);
    expect(inspect.code, inspect.output).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifestDigest);
  });

  it('refuses a push when read-only, and leaves no tag behind', async () => {
    const registry = new LayoutRegistry(join(dir, 'readonly'), { readOnly: true });
    await expect(pushImage({ image, client: registry, repository, tags: ['1.4.0'] })).rejects.toThrow(
      /registry refused the upload of embark\/backend: .*read-only/,
    );
    await expect(registry.getManifest(repository, '1.4.0')).rejects.toThrow(/not in the image layout/);
  });

  it('refuses a blob whose content does not match its digest', async () => {
    const registry = new LayoutRegistry(join(dir, 'layouts'));
    const layer = image.layers[2];
    await expect(
      registry.pushBlob(
        'other/repo',
        `sha256:${'0'.repeat(64)}`,
        join(image.layoutDir, 'blobs', 'sha256', layer.digest.slice(7)),
        layer.size,
      ),
    ).rejects.toThrow(/hashes to sha256:/);
    expect(await registry.hasBlob('other/repo', `sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});
