import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs.ts';
import { sha256, sha256File } from '../../shared/hash.ts';
import { mapConcurrent } from '../../shared/concurrency.ts';
import type { LayerEntry } from './layer-entry.ts';
import type { LayerBlob } from './layer-writer.ts';
import { readMemo } from '../../shared/json-files.ts';

/** Bump when the archive format changes, so older cached layers stop matching. */
const FORMAT = 'slipway-layer-v1';

/**
 * The hash of everything that determines a layer's bytes: each entry's path, type, mode, owner
 * and size with its content hash, plus the archive settings. Equal keys mean equal blobs.
 */
export async function layerInputKey(
  entries: LayerEntry[],
  settings: { mtime: Date; gzipLevel: number },
  digests: FileDigests,
): Promise<string> {
  const lines = await mapConcurrent(
    entries,
    async (entry) => {
      if (entry.type === 'directory') return `d ${entry.path} ${entry.mode.toString(8)} ${entry.uid ?? 0}:${entry.gid ?? 0}`;
      if (entry.type === 'symlink') return `l ${entry.path} ${entry.target}`;
      if ('content' in entry) return `f ${entry.path} ${entry.mode.toString(8)} ${entry.content.length} ${sha256(entry.content)}`;
      return `f ${entry.path} ${entry.mode.toString(8)} ${entry.size} ${await digests.of(entry.source)}`;
    },
    8,
  ); // hashing is I/O bound: more reads in flight than cores
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

  /** The cached blob of these inputs; it is hashed again only if it changed on disk since it was checked. */
  async lookup(key: string): Promise<LayerBlob | undefined> {
    try {
      const { checked, ...record } = JSON.parse(await readFile(join(this.recordsDir, `${key}.json`), 'utf8')) as CachedLayer;
      const blob = this.blobPath(record.digest);
      const now = fileStamp(await stat(blob));
      if (now === checked) return record;
      if (!now.startsWith(`${record.size}:`) || `sha256:${await sha256File(blob)}` !== record.digest) return undefined;
      await this.store(key, record);
      return record;
    } catch {
      return undefined;
    }
  }

  async store(key: string, blob: LayerBlob): Promise<void> {
    const checked = fileStamp(await stat(this.blobPath(blob.digest)));
    await writeFileAtomic(join(this.recordsDir, `${key}.json`), JSON.stringify({ ...blob, checked } satisfies CachedLayer));
  }
}

/** A record, with the blob's file stamp when its digest was last checked. */
interface CachedLayer extends LayerBlob {
  checked?: string;
}

/** Size, inode and change/modify times: any write to a file changes its stamp (as git's index assumes). */
function fileStamp(stats: Stats): string {
  return `${stats.size}:${stats.ino}:${stats.ctimeMs}:${stats.mtimeMs}`;
}

/**
 * Content hashes of input files (the Node binary, every dependency file), remembered by file
 * stamp across builds, so an unchanged 100 MB runtime is not read again to compute a layer key.
 */
export class FileDigests {
  private known = new Map<string, string>();
  private changed = false;

  private constructor(private readonly path: string) {}

  static async open(path: string): Promise<FileDigests> {
    const digests = new FileDigests(path);
    digests.known = new Map(Object.entries((await readMemo<Record<string, string>>(path)) ?? {}));
    return digests;
  }

  async of(file: string): Promise<string> {
    const id = `${file}\0${fileStamp(await stat(file))}`;
    let digest = this.known.get(id);
    if (digest === undefined) {
      digest = await sha256File(file);
      this.known.set(id, digest);
      this.changed = true;
    }
    return digest;
  }

  /** Writes what was learned, keeping the newest entries: stamps of files that have changed since age out. */
  async save(): Promise<void> {
    if (!this.changed) return;
    const newest = [...this.known].slice(-20_000);
    await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(newest)));
  }
}
