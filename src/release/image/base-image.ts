import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Failure } from '../../shared/feedback/failure.ts';
import type { RegistryApi } from '../registry/registry-api.ts';
import { measuringStream, sha256File } from '../../shared/hash.ts';
import { checkBaseRootfs, type BaseImageConfig } from './base-config.ts';
import { baseLayers, classifyManifest, describePlatform, selectPlatform, type BaseLayer, type Platform } from './base-manifest.ts';
import { imageName, parseImageReference } from './image-reference.ts';
import type { LayerCache } from './layer-cache.ts';

/** What pulling a base needs of a registry: reading manifests and blobs (RegistryClient has both). */
export type ImageSource = Pick<RegistryApi, 'getManifest' | 'getBlob'>;

export interface BaseImageSpec {
  /** "registry/repository:tag" or "registry/repository@sha256:…", e.g. "ghcr.io/acme/node-base:20". */
  reference: string;
  /** A client of the reference's registry (the registry part of the reference is not dialled by itself). */
  client: ImageSource;
  /** The user the service runs as (default "65532:65532", the non-root app user). */
  user?: string;
}

export interface PulledBase {
  /** "registry/repository", for org.opencontainers.image.base.name. */
  name: string;
  /** The manifest (or index) digest the reference resolved to: `name@digest` pulls the same base again. */
  digest: string;
  config: BaseImageConfig;
  /** The base's layers in order, each in the layer cache's blob directory. */
  layers: (BaseLayer & { diffId: string; reused: boolean })[];
  /** Blobs (config and layers) fetched from the registry; 0 when everything was cached. */
  downloadedBlobs: number;
}

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** A registry refusal, restated to name the base reference the developer wrote. */
function aboutBase(reference: string, error: unknown): unknown {
  if (!(error instanceof Failure)) return error;
  return error.with({
    specific: `cannot pull the base image ${reference}: ${error.specific}`,
    hint: error.specific.includes(' 404 ')
      ? 'check the base image reference (services.<name>.base in slipway.config.ts): the repository and tag must exist in the registry'
      : error.hint,
  });
}

async function readManifest(source: ImageSource, repository: string, target: string, reference: string) {
  try {
    return await source.getManifest(repository, target);
  } catch (error) {
    throw aboutBase(reference, error);
  }
}

function checkDigest(reference: string, what: string, expected: string, actual: string): void {
  if (actual !== expected) {
    throw new Failure(`the base image ${reference} is corrupt: the registry served ${what} ${expected} with content hashing to ${actual}`, {
      hint: 'the registry holds damaged content; republish the base image or pick another tag',
    });
  }
}

/**
 * The blob in the cache's blob directory: reused when a file there still hashes to the digest,
 * else downloaded to a temp file, hashed on the way, and renamed in only when it matches.
 */
async function obtainBlob(
  source: ImageSource,
  repository: string,
  blob: { digest: string; size: number },
  cache: LayerCache,
  reference: string,
): Promise<boolean> {
  if (!SHA256.test(blob.digest))
    throw new Failure(`the base image ${reference} names a blob by an unsupported digest "${blob.digest}"`, {
      hint: 'use a base image addressed by sha256 digests',
    });
  const path = cache.blobPath(blob.digest);
  const cached = await sha256File(path).then(
    (hex) => `sha256:${hex}`,
    () => undefined,
  );
  if (cached === blob.digest) return false;

  await mkdir(cache.blobsDir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.download`;
  const measured = measuringStream();
  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await source.getBlob(repository, blob.digest);
    } catch (error) {
      throw aboutBase(reference, error);
    }
    await pipeline(stream, measured.stream, createWriteStream(temp)).catch((error: Error) => {
      throw new Failure(
        `cannot pull the base image ${reference}: the download of ${blob.digest} broke off after ${measured.bytes()} of ${blob.size} bytes: ${error.message}`,
        {
          hint: 'check that the registry is reachable and build again; finished blobs are kept in the cache',
        },
      );
    });
    checkDigest(reference, 'blob', blob.digest, `sha256:${measured.sha256()}`);
    if (measured.bytes() !== blob.size)
      throw new Failure(
        `the base image ${reference} is corrupt: blob ${blob.digest} has ${measured.bytes()} bytes, its manifest says ${blob.size}`,
        { hint: 'the registry holds damaged content; republish the base image or pick another tag' },
      );
    await rename(temp, path);
    return true;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Pulls a base image into the layer cache: resolves the reference (choosing `platform` from an
 * index), verifies every manifest and blob against its digest, and downloads only the blobs the
 * cache does not hold. Tags are resolved on every pull (they move); blobs by digest never change.
 */
export async function pullBaseImage(spec: BaseImageSpec, cache: LayerCache, platform: Platform): Promise<PulledBase> {
  const reference = spec.reference;
  const parsed = parseImageReference(reference);
  const top = await readManifest(spec.client, parsed.repository, parsed.digest ?? parsed.tag!, reference);
  if (parsed.digest) checkDigest(reference, 'manifest', parsed.digest, top.digest);
  let manifest = classifyManifest(top.body, top.mediaType, reference);
  if (manifest.kind === 'index') {
    const chosen = selectPlatform(manifest.manifests, platform, reference);
    const image = await readManifest(spec.client, parsed.repository, chosen.digest, reference);
    checkDigest(reference, 'manifest', chosen.digest, image.digest);
    manifest = classifyManifest(image.body, image.mediaType, reference);
    if (manifest.kind === 'index')
      throw new Failure(`the base image ${reference} nests an index in an index`, {
        hint: 'use a base image whose index lists image manifests',
      });
  }

  let downloadedBlobs = 0;
  if (await obtainBlob(spec.client, parsed.repository, manifest.config, cache, reference)) downloadedBlobs++;
  const config = JSON.parse(await readFile(cache.blobPath(manifest.config.digest), 'utf8')) as BaseImageConfig;
  const built = { os: config.os ?? 'linux', architecture: config.architecture ?? platform.architecture };
  if (built.os !== platform.os || built.architecture !== platform.architecture) {
    throw new Failure(`the base image ${reference} is a ${describePlatform(built)} image, not ${describePlatform(platform)}`, {
      hint: `pick a base image published for ${describePlatform(platform)}`,
    });
  }
  const layers = baseLayers(manifest.layers, reference);
  const diffIds = checkBaseRootfs(config, layers.length, reference);
  const pulled: PulledBase['layers'] = [];
  for (const [index, layer] of layers.entries()) {
    const downloaded = await obtainBlob(spec.client, parsed.repository, layer, cache, reference);
    if (downloaded) downloadedBlobs++;
    pulled.push({ ...layer, diffId: diffIds[index], reused: !downloaded });
  }
  return { name: imageName(parsed), digest: top.digest, config, layers: pulled, downloadedBlobs };
}
