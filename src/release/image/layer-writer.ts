import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { LayerEntry } from './layer-entry.ts';

export const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface LayerBlob {
  /** sha256 of the gzip blob, "sha256:…". */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar, "sha256:…". */
  diffId: string;
  mediaType: string;
}

/** A pass-through that feeds every chunk to a hash and counts bytes. */
function tap(hash: Hash, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

function addEntry(pack: tar.Pack, entry: LayerEntry, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    const owner = { uid: 0, gid: 0, uname: '', gname: '', mtime };
    if (entry.type === 'directory') {
      pack.entry({ ...owner, uid: entry.uid ?? 0, gid: entry.gid ?? 0, name: entry.path, type: 'directory', mode: entry.mode }, done);
    } else if (entry.type === 'symlink') {
      pack.entry({ ...owner, name: entry.path, type: 'symlink', mode: 0o777, linkname: entry.target }, done);
    } else if ('content' in entry) {
      pack.entry({ ...owner, name: entry.path, type: 'file', mode: entry.mode }, entry.content, done);
    } else {
      const sink = pack.entry({ ...owner, name: entry.path, type: 'file', mode: entry.mode, size: entry.size }, done);
      pipeline(createReadStream(entry.source), sink).catch(reject);
    }
  });
}

/**
 * Archives sorted entries into a gzip tar blob in `blobsDir` (named by its digest, written to a
 * temp file and renamed so a reader never sees a partial blob). Fixed owner, mtime and modes and
 * a timestamp-free gzip header make the digest a function of the entries alone.
 */
export async function writeLayerBlob(
  entries: LayerEntry[],
  blobsDir: string,
  options: { mtime: Date; gzipLevel: number },
): Promise<LayerBlob> {
  await mkdir(blobsDir, { recursive: true });
  const temp = join(blobsDir, `.layer-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const pack = tar.pack();
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const uncompressed = { bytes: 0 };
  const compressed = { bytes: 0 };
  const written = pipeline(
    pack,
    tap(diffHash, uncompressed),
    createGzip({ level: options.gzipLevel }),
    tap(blobHash, compressed),
    createWriteStream(temp),
  );
  try {
    const feeding = (async () => {
      for (const entry of entries) await addEntry(pack, entry, options.mtime);
      pack.finalize();
    })();
    feeding.catch((error) => pack.destroy(error));
    await Promise.all([feeding, written]);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const hex = blobHash.digest('hex');
  await rename(temp, join(blobsDir, hex));
  return { digest: `sha256:${hex}`, size: compressed.bytes, diffId: `sha256:${diffHash.digest('hex')}`, mediaType: LAYER_MEDIA_TYPE };
}
