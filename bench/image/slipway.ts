/**
 * Slipway's side: `buildServiceImage` then `pushImage`, timed separately, and the base image
 * both tools start from, made of the bytes of Slipway's own base layer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestImageSpec } from '../../src/test-support/image-workspace.ts';
import {
  blobPath,
  buildServiceImage,
  CONFIG_MEDIA_TYPE,
  MANIFEST_MEDIA_TYPE,
  type BuiltImage,
  type ServiceImageSpec,
} from '../../src/release/image/index.ts';
import { PATH_ENV } from '../../src/release/image/base-layer.ts';
import { ociArchitecture } from '../../src/release/image/image-config.ts';
import { pushImage, type PushResult } from '../../src/release/image/index.ts';
import type { RegistryClient } from '../../src/release/registry/index.ts';
import { sha256 } from '../../src/shared/hash.ts';

export const BASE_REPOSITORY = 'bench/base';
export const BASE_TAG = '1';

export interface SlipwayRun {
  buildSeconds: number;
  pushSeconds: number;
  built: BuiltImage;
  pushed: PushResult;
}

/** One build and push, as the image and push stages do it (plus mounting from the base repository). */
export async function slipwayBuildAndPush(
  spec: ServiceImageSpec,
  client: RegistryClient,
  repository: string,
  tag: string,
): Promise<SlipwayRun> {
  const buildStarted = performance.now();
  const built = await buildServiceImage(spec);
  const pushStarted = performance.now();
  // The base layer is already in bench/base: mounted, as buildah mounts the blob it pulled from there.
  const pushed = await pushImage({ image: built, client, repository, tags: [tag], mountFrom: [BASE_REPOSITORY] });
  const done = performance.now();
  return { buildSeconds: (pushStarted - buildStarted) / 1000, pushSeconds: (done - pushStarted) / 1000, built, pushed };
}

/**
 * Slipway's base layer, built by building a tiny service with a cache of its own: every service's
 * image starts with the same base layer, and this one needs no install, so it can be built
 * while the example installs.
 */
export async function buildBaseSource(dir: string): Promise<BuiltImage> {
  return buildServiceImage(await createTestImageSpec(dir));
}

/**
 * Pushes `bench/base:1`: Slipway's base layer (the host's Node runtime, its libraries, the app
 * user) alone, with a config that has only PATH. buildah's Dockerfile starts FROM it.
 */
export async function pushBaseImage(built: BuiltImage, client: RegistryClient): Promise<string> {
  const base = built.layers[0];
  const config = Buffer.from(
    JSON.stringify({
      architecture: ociArchitecture(process.arch),
      os: 'linux',
      config: { Env: [`PATH=${PATH_ENV}`] },
      rootfs: { type: 'layers', diff_ids: [base.diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: `slipway base: node ${process.version}` }],
    }),
  );
  const configDigest = `sha256:${sha256(config)}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
      layers: [{ mediaType: base.mediaType, digest: base.digest, size: base.size }],
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-base-'));
  try {
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, config);
    await client.pushBlob(BASE_REPOSITORY, base.digest, blobPath(built.layoutDir, base.digest), base.size);
    await client.pushBlob(BASE_REPOSITORY, configDigest, configFile, config.length);
    return await client.putManifest(BASE_REPOSITORY, BASE_TAG, manifest, MANIFEST_MEDIA_TYPE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
