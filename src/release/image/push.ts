import { readFile } from 'node:fs/promises';
import { Failure } from '../../shared/feedback/failure.ts';
import type { RegistryApi } from '../registry/registry-api.ts';
import type { BuiltImage } from './build.ts';
import { MANIFEST_MEDIA_TYPE } from './image-config.ts';
import { blobPath, readLayout } from './layout.ts';

export interface PushResult {
  digest: string;
  /** Pull reference pinned by digest: "127.0.0.1:5000/embark/backend@sha256:…". */
  reference: string;
  /** Bytes sent: the uploaded blobs only (mounted and skipped ones cost nothing). */
  uploadedBytes: number;
  uploadedBlobs: number;
  /** Blobs linked from one of the `mountFrom` repositories instead of uploaded. */
  mountedBlobs: number;
  /** Blobs the repository already had. */
  skippedBlobs: number;
}

export interface PushOptions {
  image: BuiltImage;
  client: RegistryApi;
  repository: string;
  tags: string[];
  /**
   * Other repositories of the same registry that may hold some of the blobs (images sharing base
   * and dependency layers, pushed earlier): a blob found there is mounted, not uploaded.
   */
  mountFrom?: string[];
}

/**
 * Pushes a built image: blobs the registry already has are skipped, blobs another repository
 * has are mounted, the rest uploaded; then the manifest is put under each tag (only once every
 * blob is there, so no tag points at a partial image) and read back to check the registry serves
 * exactly the digest that was built.
 */
export async function pushImage(opts: PushOptions): Promise<PushResult> {
  const { image, client, repository } = opts;
  const { manifest } = await readLayout(image.layoutDir);
  const sources = (opts.mountFrom ?? []).filter((source) => source !== repository);
  let uploadedBytes = 0;
  let uploadedBlobs = 0;
  let mountedBlobs = 0;
  let skippedBlobs = 0;
  for (const blob of [manifest.config, ...manifest.layers]) {
    if (await client.hasBlob(repository, blob.digest)) {
      skippedBlobs++;
      continue;
    }
    const mountFrom = await client.findBlob(sources, blob.digest);
    const outcome = await client.pushBlob(repository, blob.digest, blobPath(image.layoutDir, blob.digest), blob.size, { mountFrom });
    if (outcome === 'mounted') {
      mountedBlobs++;
      continue;
    }
    uploadedBytes += blob.size;
    uploadedBlobs++;
  }

  const body = await readFile(blobPath(image.layoutDir, image.manifestDigest));
  const references = opts.tags.length > 0 ? opts.tags : [image.manifestDigest];
  for (const reference of references) {
    const digest = await client.putManifest(repository, reference, body, MANIFEST_MEDIA_TYPE);
    if (digest !== image.manifestDigest)
      throw new Failure(`the manifest pushed as ${repository}:${reference} has digest ${digest}, not the built ${image.manifestDigest}`);
  }
  const served = await client.getManifest(repository, references[0]);
  if (served.digest !== image.manifestDigest) {
    throw new Failure(`the registry serves ${repository}:${references[0]} as ${served.digest}, not the pushed ${image.manifestDigest}`, {
      hint: 'another push may have moved the tag at the same time; push again',
    });
  }
  return {
    digest: image.manifestDigest,
    reference: `${client.host}/${repository}@${image.manifestDigest}`,
    uploadedBytes,
    uploadedBlobs,
    mountedBlobs,
    skippedBlobs,
  };
}
