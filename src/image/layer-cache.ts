import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import { sha256, sha256File } from '../util/hash.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import type { LayerEntry } from './layer-entry.ts';
import type { LayerBlob } from './layer-writer.ts';

/** Bump when the archive format changes, so older cached layers stop matching. */
const FORMAT = 'slipway-layer-v1';

/**
 * The hash of everything that determines a layer's bytes: each entry's path, type, mode, owner
 * and size with its content hash, plus the archive settings. Equal keys mean equal blobs.
 */
export async function layerInputKey(entries: LayerEntry[], settings: { mtime: Date; gzipLevel: number }): Promise<string> {
  const lines = await mapConcurrent(entries, async (entry) => {
    if (entry.type === 'directory') return `d ${entry.path} ${entry.mode.toString(8)} ${entry.uid ?? 0}:${entry.gid ?? 0}`;
    if (entry.type === 'symlink') return `l ${entry.path} ${entry.target}`;
    if ('content' in entry) return `f ${entry.path} ${entry.mode.toString(8)} ${entry.content.length} ${sha256(entry.content)}`;
    return `f ${entry.path} ${entry.mode.toString(8)} ${entry.size} ${await sha256File(entry.source)}`;
  }, 8); // hashing is I/O bound: more reads in flight than cores
  return sha256([FORMAT, `mtime ${settings.mtime.getTime()}`, `gzip ${settings.gzipLevel}`, ...lines].join('\n'));
}

/**
 * Layers built before, by input key: `layers/<key>.json` describes a blob kept in
 * `blobs/sha256/`. A record whose blob is missing or no longer hashes to its digest is a miss.
 */
export class LayerCache {
  readonly blobsDir: string;
  private readonly recordsDir: string;

  constructor(cacheDir: string) {
    this.blobsDir = join(cacheDir, 'blobs', 'sha256');
    this.recordsDir = join(cacheDir, 'layers');
  }

  blobPath(digest: string): string {
    return join(this.blobsDir, digest.replace(/^sha256:/, ''));
  }

  async lookup(key: string): Promise<LayerBlob | undefined> {
    let record: LayerBlob;
    try {
      record = JSON.parse(await readFile(join(this.recordsDir, `${key}.json`), 'utf8')) as LayerBlob;
      const blob = this.blobPath(record.digest);
      if ((await stat(blob)).size !== record.size) return undefined;
      if (`sha256:${await sha256File(blob)}` !== record.digest) return undefined;
    } catch {
      return undefined;
    }
    return record;
  }

  async store(key: string, blob: LayerBlob): Promise<void> {
    await writeFileAtomic(join(this.recordsDir, `${key}.json`), JSON.stringify(blob));
  }
}
