import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { startFaultProxy } from '../../test-support/fault-proxy.ts';
import { RegistryClient, startLocalRegistry, type LocalRegistry } from '../registry/index.ts';
import { pushImage } from './push.ts';
import { exec } from '../../shared/exec.ts';
import { sha256 } from '../../shared/hash.ts';
import { INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, ociArchitecture } from './image-config.ts';
import { blobPath, buildServiceImage, readLayout, type BuiltImage, type ServiceImageSpec } from './index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';

const hostArch = ociArchitecture(process.arch);

describe('a service image built on a base image pulled from the Debian docker-registry', () => {
  let dir: string;
  let registry: LocalRegistry;
  let baseImage: BuiltImage;
  let spec: ServiceImageSpec;
  let image: BuiltImage;
  let requests: string[];
  let client: RegistryClient;
  const stops: (() => Promise<void>)[] = [];
  const reference = () => `${registry.host}/base/node:1`;
  const registryBlob = (digest: string) =>
    join(dir, 'storage/docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');

  /** Pushes an index of the base's manifest under `platforms` and returns its tag's reference. */
  async function pushIndex(
    tag: string,
    platforms: { os: string; architecture: string; variant?: string }[],
  ): Promise<{ reference: string; digest: string }> {
    const size = (await readFile(blobPath(baseImage.layoutDir, baseImage.manifestDigest))).length;
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: INDEX_MEDIA_TYPE,
        manifests: platforms.map((platform) => ({ mediaType: MANIFEST_MEDIA_TYPE, digest: baseImage.manifestDigest, size, platform })),
      }),
    );
    const digest = await new RegistryClient({ url: registry.url }).putManifest('base/node', tag, index, INDEX_MEDIA_TYPE);
    return { reference: `${registry.host}/base/node:${tag}`, digest };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-base-image-'));
    registry = await startLocalRegistry({ storageDir: join(dir, 'storage') });
    stops.push(registry.stop);
    // The base: an image of the host's Node runtime, built by our own builder and pushed.
    baseImage = await buildServiceImage(await createTestImageSpec(join(dir, 'base')));
    await pushImage({ image: baseImage, client: new RegistryClient({ url: registry.url }), repository: 'base/node', tags: ['1'] });
    const recorder = await startFaultProxy(registry.url, { faults: 0, mode: '500' });
    stops.push(recorder.stop);
    requests = recorder.requests;
    client = new RegistryClient({ url: recorder.url });
    spec = await createTestImageSpec(join(dir, 'service'), {
      env: { LOG_LEVEL: 'debug' },
      port: 9090,
      base: { reference: reference(), client },
    });
    // The service's layers differ from the base's (built from the same test workspace).
    await writeFile(join(spec.packageDir, 'dist/routes/health.js'), 'module.exports = () => 200;\n');
    await writeFile(join(spec.workspaceRoot, 'node_modules/ms/index.js'), 'module.exports = (n) => `${n / 60000}m`; // 2.1.3\n');
    image = await buildServiceImage(spec);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps the base's layers and config and applies the service's settings on top", async () => {
    expect(image.layers.slice(0, 3).map((layer) => layer.digest)).toEqual(baseImage.layers.map((layer) => layer.digest));
    expect(image.layers).toHaveLength(5);
    expect(image.layers.slice(3).map((layer) => layer.digest)).not.toContain(baseImage.layers[1].digest);
    expect(image.layers.slice(3).map((layer) => layer.digest)).not.toContain(baseImage.layers[2].digest);
    expect(image.base).toEqual({ name: `${registry.host}/base/node`, digest: baseImage.manifestDigest, downloadedBlobs: 4 });
    const { manifest, config } = await readLayout(image.layoutDir);
    const base = await readLayout(baseImage.layoutDir);
    expect(manifest.layers.slice(0, 3)).toEqual(base.manifest.layers);
    expect(config.rootfs.diff_ids.slice(0, 3)).toEqual(base.config.rootfs.diff_ids);
    expect(config.history.slice(0, 3)).toEqual(base.config.history);
    expect(config.history).toHaveLength(5);
    expect(config.config).toEqual({
      User: '65532:65532',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PORT=9090', 'LOG_LEVEL=debug'],
      Entrypoint: ['node', 'dist/server.js'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {}, '9090/tcp': {} },
      Labels: {
        'org.opencontainers.image.base.digest': baseImage.manifestDigest,
        'org.opencontainers.image.base.name': `${registry.host}/base/node`,
        'org.opencontainers.image.revision': 'abc123',
        'org.opencontainers.image.title': '@embark/backend',
        'org.opencontainers.image.version': '1.4.0',
      },
    });
  });

  it('builds the same digest again without downloading a blob, and from a cold cache too', async () => {
    requests.length = 0;
    const again = await buildServiceImage({ ...spec, outDir: join(dir, 'again') });
    expect(again.manifestDigest).toBe(image.manifestDigest);
    expect(again.base?.downloadedBlobs).toBe(0);
    expect(again.layers.every((layer) => layer.reused)).toBe(true);
    // The tag is resolved again (tags move); nothing else is fetched.
    expect(requests).toEqual(['GET /v2/base/node/manifests/1']);
    const cold = await buildServiceImage({ ...spec, cacheDir: join(dir, 'cold-cache'), outDir: join(dir, 'cold') });
    expect(cold.manifestDigest).toBe(image.manifestDigest);
    expect(cold.base?.downloadedBlobs).toBe(4);
  });

  it('gives the same image whether the base is named by tag or by digest', async () => {
    const pinned = await buildServiceImage({
      ...spec,
      outDir: join(dir, 'pinned'),
      base: { reference: `${registry.host}/base/node@${baseImage.manifestDigest}`, client },
    });
    expect(pinned.manifestDigest).toBe(image.manifestDigest);
  });

  // Unpacking needs root (ownership, chroot); this machine and CI run as root.
  it.skipIf(process.getuid?.() !== 0)("runs the entrypoint's bare `node` found on the base's PATH", async () => {
    const rootfs = join(dir, 'rootfs');
    await mkdir(rootfs);
    for (const layer of image.layers) {
      const result = await exec('tar', ['-xzf', blobPath(image.layoutDir, layer.digest), '-C', rootfs]);
      expect(result.output).toBe('');
    }
    const { config } = await readLayout(image.layoutDir);
    const [node, entry] = config.config.Entrypoint;
    // chroot looks the command up in the PATH it is given, as a container runtime does with the image's Env.
    const result = await exec('env', [
      '-i',
      ...config.config.Env,
      '/usr/sbin/chroot',
      '--userspec=65532:65532',
      rootfs,
      node,
      `${config.config.WorkingDir}/${entry}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello ..app 1m\n');
  });

  it("picks the host's platform from an index and records the index digest", async () => {
    const index = await pushIndex('multi', [
      { os: 'linux', architecture: 's390x' },
      { os: 'linux', architecture: hostArch },
    ]);
    const built = await buildServiceImage({ ...spec, outDir: join(dir, 'multi'), base: { reference: index.reference, client } });
    expect(built.layers.slice(0, 3).map((layer) => layer.digest)).toEqual(baseImage.layers.map((layer) => layer.digest));
    expect(built.base).toEqual({ name: `${registry.host}/base/node`, digest: index.digest, downloadedBlobs: 0 });
    expect((await readLayout(built.layoutDir)).config.config.Labels['org.opencontainers.image.base.digest']).toBe(index.digest);
  });

  it('fails naming what an index offers when it has no image for this platform', async () => {
    const index = await pushIndex('foreign', [
      { os: 'linux', architecture: 's390x' },
      { os: 'linux', architecture: 'riscv64' },
      { os: 'windows', architecture: hostArch },
    ]);
    const failure = await failureOf(
      buildServiceImage({ ...spec, outDir: join(dir, 'foreign'), base: { reference: index.reference, client } }),
    );
    expect(failure.specific).toBe(`the base image ${index.reference} has no linux/${hostArch} image`);
    expect(failure.details).toEqual([`it offers: linux/s390x, linux/riscv64, windows/${hostArch}`]);
    expect(failure.hint).toBe(`pick a base image published for linux/${hostArch}, or build on a machine of a platform it offers`);
  });

  it("fails naming the reference and the registry's error for an unknown tag", async () => {
    const missing = `${registry.host}/base/node:9`;
    const failure = await failureOf(buildServiceImage({ ...spec, outDir: join(dir, 'missing'), base: { reference: missing, client } }));
    expect(failure.specific).toBe(
      `cannot pull the base image ${missing}: registry refused the manifest read of base/node:9: 404 MANIFEST_UNKNOWN: manifest unknown`,
    );
    expect(failure.hint).toBe(
      'check the base image reference (services.<name>.base in slipway.config.ts): the repository and tag must exist in the registry',
    );
  });

  it('fails when the registry serves a blob that does not match its digest, and caches nothing of it', async () => {
    const tampered = baseImage.layers[2];
    const stored = registryBlob(tampered.digest);
    const original = await readFile(stored);
    const corrupt = Buffer.from(original);
    corrupt[corrupt.length - 1] ^= 0xff;
    await writeFile(stored, corrupt);
    try {
      const cacheDir = join(dir, 'tampered-cache');
      const failure = await failureOf(buildServiceImage({ ...spec, cacheDir, outDir: join(dir, 'tampered') }));
      expect(failure.specific).toBe(
        `the base image ${reference()} is corrupt: the registry served blob ${tampered.digest} with content hashing to sha256:${sha256(corrupt)}`,
      );
      expect(failure.hint).toBe('the registry holds damaged content; republish the base image or pick another tag');
      await expect(readFile(blobPath(cacheDir, tampered.digest))).rejects.toThrow(/ENOENT/);
    } finally {
      await writeFile(stored, original);
    }
  });
});
