import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { sha256 } from '../shared/hash.ts';

/** One entry of a layer: inline content, a host file copied in, a directory, a symlink or a whiteout. */
export type LayerEntry =
  | { path: string; content: string | Buffer; mode?: number }
  | { path: string; hostFile: string; mode?: number }
  | { path: string; directory: true; mode?: number }
  | { path: string; symlinkTo: string };

export interface ImageSpec {
  /** Recorded as org.opencontainers.image.ref.name. */
  tag: string;
  layers: { entries: LayerEntry[]; gzip: boolean }[];
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string };
}

async function writeBlob(layoutDir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${sha256(data)}`;
  await writeFile(join(layoutDir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

async function addEntry(pack: tar.Pack, entry: LayerEntry): Promise<void> {
  const done = (resolve: () => void, reject: (error: Error) => void) => (error?: Error | null) => (error ? reject(error) : resolve());
  if ('hostFile' in entry) {
    const { size, mode } = await stat(entry.hostFile);
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ name: entry.path, size, mode: entry.mode ?? mode & 0o7777 }, done(resolve, reject));
      createReadStream(entry.hostFile).pipe(sink as unknown as NodeJS.WritableStream);
    });
  } else if ('content' in entry) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: entry.path, mode: entry.mode ?? 0o644 }, entry.content, done(resolve, reject)),
    );
  } else if ('directory' in entry) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: entry.path, type: 'directory', mode: entry.mode ?? 0o755 }, done(resolve, reject)),
    );
  } else {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: entry.path, type: 'symlink', linkname: entry.symlinkTo }, done(resolve, reject)),
    );
  }
}

/** Writes a layer's tar (gzip or plain) straight into the blob store, hashing as it goes. */
async function writeLayer(layoutDir: string, layer: ImageSpec['layers'][number]) {
  const pack = tar.pack();
  const hash = createHash('sha256');
  const diffHash = createHash('sha256'); // of the uncompressed tar: the config's diff_id
  let size = 0;
  const tmp = join(layoutDir, 'blobs', `layer-${process.pid}-${Date.now()}.tmp`);
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      hash.update(chunk);
      size += chunk.length;
      next(null, chunk);
    },
  });
  const diffing = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      diffHash.update(chunk);
      next(null, chunk);
    },
  });
  const writing = pipeline(
    pack as unknown as NodeJS.ReadableStream,
    diffing,
    layer.gzip ? createGzip({ level: 1 }) : new PassThrough(),
    hashing,
    createWriteStream(tmp),
  );
  for (const entry of layer.entries) await addEntry(pack, entry);
  pack.finalize();
  await writing;
  const digest = `sha256:${hash.digest('hex')}`;
  await rename(tmp, join(layoutDir, 'blobs', 'sha256', digest.slice(7)));
  const mediaType = layer.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
  return { mediaType, digest, size, diffId: `sha256:${diffHash.digest('hex')}` };
}

/**
 * Adds an image to an OCI image layout directory (creating it): the layers, the config and the
 * manifest as blobs, and the manifest in index.json under its tag. Returns the manifest digest.
 * Used by tests and demos that need a real image without the image builder.
 */
export async function writeOciImage(layoutDir: string, image: ImageSpec): Promise<{ digest: string; layers: { digest: string }[] }> {
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const layers = [];
  for (const layer of image.layers) layers.push(await writeLayer(layoutDir, layer));
  const config = await writeBlob(
    layoutDir,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: image.config,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
    ),
  );
  const manifest = await writeBlob(
    layoutDir,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      }),
    ),
  );
  const indexPath = join(layoutDir, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8').catch(() => '{"schemaVersion":2,"manifests":[]}')) as { manifests: unknown[] };
  index.manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...manifest,
    annotations: { 'org.opencontainers.image.ref.name': image.tag },
  });
  await writeFile(indexPath, JSON.stringify(index, null, 2));
  return { digest: manifest.digest, layers };
}
