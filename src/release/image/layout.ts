import { copyFile, link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { stagingPath, writeFileAtomic } from '../../shared/fs.ts';
import { sha256 } from '../../shared/hash.ts';
import { INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, type OciImageConfig, type OciManifest } from './image-config.ts';

export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(layoutDir, 'blobs', algorithm, hex);
}

/** Hard-links a cached blob into the layout (no copy of large layers), copying across devices. */
async function placeBlob(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const temp = `${target}.tmp`;
    await copyFile(source, temp);
    await rename(temp, target);
  }
}

/**
 * Writes an OCI image layout: assembled in a staging directory beside `layoutDir`, then swapped
 * in by rename, so the directory holds either the previous image or the whole new one.
 */
export async function writeLayout(
  layoutDir: string,
  image: { manifest: Buffer; config: Buffer; layers: { digest: string; path: string }[]; refName: string },
): Promise<string> {
  const staging = stagingPath(layoutDir);
  await mkdir(join(staging, 'blobs', 'sha256'), { recursive: true });
  try {
    // A manifest may list one blob twice (a layer equal to one of its base's): it is placed once.
    for (const layer of new Map(image.layers.map((entry) => [entry.digest, entry])).values())
      await placeBlob(layer.path, blobPath(staging, layer.digest));
    const configDigest = `sha256:${sha256(image.config)}`;
    const manifestDigest = `sha256:${sha256(image.manifest)}`;
    await writeFileAtomic(blobPath(staging, configDigest), image.config);
    await writeFileAtomic(blobPath(staging, manifestDigest), image.manifest);
    await writeFileAtomic(join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const index = {
      schemaVersion: 2,
      mediaType: INDEX_MEDIA_TYPE,
      manifests: [
        {
          mediaType: MANIFEST_MEDIA_TYPE,
          digest: manifestDigest,
          size: image.manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': image.refName },
        },
      ],
    };
    await writeFileAtomic(join(staging, 'index.json'), JSON.stringify(index));
    await rm(layoutDir, { recursive: true, force: true });
    await rename(staging, layoutDir);
    return manifestDigest;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function readVerifiedBlob(layoutDir: string, digest: string): Promise<Buffer> {
  const bytes = await readFile(blobPath(layoutDir, digest));
  if (`sha256:${sha256(bytes)}` !== digest) {
    throw new Failure(`the image layout at ${layoutDir} is corrupt: blob ${digest} does not match its digest`, {
      hint: 'rebuild the image',
    });
  }
  return bytes;
}

/** Reads the image an OCI layout holds (its first manifest), verifying manifest and config digests. */
export async function readLayout(layoutDir: string): Promise<{ manifest: OciManifest; manifestDigest: string; config: OciImageConfig }> {
  let index: { manifests?: { digest: string }[] };
  try {
    index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as typeof index;
  } catch (error) {
    throw new Failure(`no OCI image layout at ${layoutDir}: ${(error as Error).message}`, { hint: 'build the image first' });
  }
  const manifestDigest = index.manifests?.[0]?.digest;
  if (!manifestDigest) throw new Failure(`the image layout at ${layoutDir} names no manifest`, { hint: 'rebuild the image' });
  const manifest = JSON.parse((await readVerifiedBlob(layoutDir, manifestDigest)).toString('utf8')) as OciManifest;
  const config = JSON.parse((await readVerifiedBlob(layoutDir, manifest.config.digest)).toString('utf8')) as OciImageConfig;
  return { manifest, manifestDigest, config };
}
