import { createHash, randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { extractArchive, packPaths } from './archive.ts';
import { checkEntry, corruptEntry, truncatedEntry } from './entry-check.ts';
import { encodeTrailer, readManifest, type EntryManifest } from './entry-file.ts';
import { UnsafeEntryError } from '../../shared/confined-path.ts';
import { measuringStream } from '../../shared/hash.ts';
import { hostFailureOf } from '../../shared/feedback/host-failure.ts';

export interface LocalCacheOptions {
  /** Evict least recently used entries once the cache holds more than this. */
  maxBytes?: number;
  /** gzip (level 1) makes smaller entries; uncompressed is faster on a local disk. Default 'none'. */
  compression?: 'none' | 'gzip';
  /** Told when an entry is refused for what it holds (a path leading outside where it restores). */
  onWarning?: (message: string) => void;
}

/** What a cache's entries on this machine add up to. */
export interface CacheUsage {
  entries: number;
  bytes: number;
}

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * A content-addressed cache of directory trees on the local disk. Each entry is a single file
 * published by an atomic rename, verified by its sha256 before anything is restored; a corrupt
 * or truncated entry is a miss and is deleted.
 */
export class LocalCache {
  readonly dir: string;
  private readonly maxBytes?: number;
  private readonly compression: 'none' | 'gzip';
  private readonly onWarning: (message: string) => void;

  constructor(dir: string, opts: LocalCacheOptions = {}) {
    this.dir = dir;
    this.maxBytes = opts.maxBytes;
    this.compression = opts.compression ?? 'none';
    this.onWarning = opts.onWarning ?? (() => undefined);
  }

  async has(key: string): Promise<boolean> {
    return stat(this.entryPath(key)).then(
      (stats) => stats.isFile(),
      () => false,
    );
  }

  async entryBytes(key: string): Promise<number | undefined> {
    return stat(this.entryPath(key)).then(
      (stats) => (stats.isFile() ? stats.size : undefined),
      () => undefined,
    );
  }

  /** The entries and their total size (temp files of saves under way are not counted). */
  async usage(): Promise<CacheUsage> {
    const names = (await readdir(this.dir).catch(() => [])).filter((name) => name.endsWith('.entry'));
    const entries = await this.entryStats(names);
    return { entries: entries.length, bytes: entries.reduce((sum, entry) => sum + entry.size, 0) };
  }

  async readMeta(key: string): Promise<Record<string, unknown> | undefined> {
    const handle = await open(this.entryPath(key), 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      return (await readManifest(handle))?.meta;
    } finally {
      await handle.close();
    }
  }

  /**
   * Replaces `paths` under targetDir with the entry's content. Returns false on a miss, and on a
   * truncated, corrupt or unsafe entry, which is then deleted with a warning saying what was wrong
   * (an unsafe one names the path); the target is untouched unless the whole entry checked out.
   */
  async restore(key: string, targetDir: string, paths: string[]): Promise<boolean> {
    const entryPath = this.entryPath(key);
    // One handle for the whole read: a concurrent writer renaming a new entry in cannot mix two files.
    const handle = await open(entryPath, 'r').catch(() => undefined);
    if (!handle) return false;
    const staging = join(this.dir, `.staging-${randomBytes(6).toString('hex')}`);
    try {
      const manifest = await readManifest(handle);
      const extracted = manifest ? await this.extractVerified(handle, manifest, staging) : { ok: false as const, problem: truncatedEntry };
      if (!extracted.ok) {
        this.onWarning(`Cache entry ${key} in ${this.dir} was refused: ${extracted.problem}; treated as a miss and deleted.`);
        await this.evictIfSame(entryPath, handle);
        return false;
      }
      for (const relPath of paths) await replacePath(join(staging, relPath), join(targetDir, relPath));
      const now = new Date();
      await utimes(entryPath, now, now).catch(() => undefined); // recency for LRU eviction
      return true;
    } finally {
      await handle.close();
      await rm(staging, { recursive: true, force: true });
    }
  }

  async save(key: string, sourceDir: string, paths: string[], meta?: Record<string, unknown>): Promise<void> {
    const entryPath = this.entryPath(key);
    await mkdir(this.dir, { recursive: true });
    const temp = this.tempFile(key);
    const handle = await open(temp, 'w');
    try {
      const packed = packPaths(sourceDir, paths);
      const measured = measuringStream();
      const compress: Readable[] = this.compression === 'gzip' ? [createGzip({ level: 1 })] : [];
      await pipeline([packed.stream, ...compress, measured.stream, writeTo(handle)] as unknown as Parameters<typeof pipeline>[0][]);
      const size = measured.bytes();
      const manifest: EntryManifest = {
        format: 1,
        key,
        sha256: measured.sha256(),
        size,
        compression: this.compression,
        paths: [...new Set(paths)].sort(),
        files: packed.files,
        meta,
      };
      // No fsync: a power cut that tears the entry leaves a trailer whose digest does not match,
      // and restore takes that as a miss; an fsync per entry was a cold run's longest waits.
      await handle.write(encodeTrailer(manifest), 0, undefined, size);
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      // A write to an open handle names no path: a full disk is named by the cache directory.
      throw hostFailureOf(error, this.dir) ?? error;
    }
    await handle.close();
    await rename(temp, entryPath);
    if (this.maxBytes !== undefined) await this.evictOver(this.maxBytes, entryPath);
  }

  /** The file that holds the entry for `key` (it may not exist). */
  entryFile(key: string): string {
    return this.entryPath(key);
  }

  /** A temp path in the cache directory for writing an entry; eviction removes it if its writer dies. */
  tempFile(key: string): string {
    return join(this.dir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /**
   * Publishes a complete entry written to a tempFile (e.g. downloaded from a remote cache) by
   * atomic rename. The caller has verified it; restore verifies it again before use.
   */
  async adopt(key: string, tempPath: string): Promise<void> {
    const entryPath = this.entryPath(key);
    await rename(tempPath, entryPath);
    if (this.maxBytes !== undefined) await this.evictOver(this.maxBytes, entryPath);
  }

  private entryPath(key: string): string {
    if (!keyPattern.test(key)) throw new Error(`invalid cache key "${key}": letters, digits, ".", "_" and "-" only`);
    return join(this.dir, `${key}.entry`);
  }

  /**
   * Extracts into staging while hashing; ok only if the archive read whole, held nothing unsafe
   * and its sha256 matched. Otherwise `problem` says what was wrong: the unsafe path, or damage.
   */
  private async extractVerified(
    handle: FileHandle,
    manifest: EntryManifest,
    staging: string,
  ): Promise<{ ok: true } | { ok: false; problem: string }> {
    const digest = createHash('sha256');
    const source = readFrom(handle, manifest.size);
    const tap = new PassThrough().on('data', (chunk: Buffer) => digest.update(chunk));
    const decompress = manifest.compression === 'gzip' ? [createGunzip()] : [];
    try {
      await mkdir(staging, { recursive: true });
      if (manifest.size > 0) await extractArchive([source, tap, ...decompress], staging, manifest.paths);
    } catch (error) {
      if (error instanceof UnsafeEntryError) return { ok: false, problem: error.message };
      // Damaged bytes stop the decompressor or the tar reader before the digest is complete.
      const intact = (await checkEntry(handle, manifest.key)).ok;
      return { ok: false, problem: intact ? `unreadable (${(error as Error).message})` : corruptEntry };
    }
    return digest.digest('hex') === manifest.sha256 ? { ok: true } : { ok: false, problem: corruptEntry };
  }

  /** Deletes a bad entry, unless a writer has meanwhile renamed a new file into its place. */
  private async evictIfSame(entryPath: string, handle: FileHandle): Promise<void> {
    const [opened, current] = await Promise.all([handle.stat(), stat(entryPath).catch(() => undefined)]);
    if (current && current.ino === opened.ino && current.dev === opened.dev) await unlink(entryPath).catch(() => undefined);
  }

  /** The entries of these file names still there: path, size and last use (mtime, for LRU). */
  private async entryStats(names: string[]): Promise<Array<{ path: string; size: number; usedAt: number }>> {
    const entries = await Promise.all(
      names.map(async (name) => {
        const path = join(this.dir, name);
        const stats = await stat(path).catch(() => undefined);
        return stats ? { path, size: stats.size, usedAt: stats.mtimeMs } : undefined;
      }),
    );
    return entries.filter((entry) => entry !== undefined);
  }

  /**
   * LRU: drop the least recently saved or restored entries until the total fits (the newest
   * stays), and temp files that a killed process left behind.
   */
  private async evictOver(maxBytes: number, keep: string): Promise<void> {
    const all = await readdir(this.dir);
    const hourAgo = Date.now() - 3_600_000;
    for (const name of all.filter((name) => name.startsWith('.tmp-') || name.startsWith('.staging-'))) {
      const path = join(this.dir, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats && stats.mtimeMs < hourAgo) await rm(path, { recursive: true, force: true });
    }
    const entries = await this.entryStats(all.filter((name) => name.endsWith('.entry')));
    let total = entries.reduce((sum, entry) => sum + entry.size, 0);
    for (const entry of entries.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= maxBytes) break;
      if (entry.path === keep) continue;
      await unlink(entry.path).catch(() => undefined);
      total -= entry.size;
    }
  }
}

/** Removes the stale target path, then moves the restored one in (copying across filesystems). */
async function replacePath(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  if (
    !(await lstat(from).then(
      () => true,
      () => false,
    ))
  )
    return; // absent from the entry: stays removed
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

/** The first `size` bytes of an open file, leaving the handle open (the caller owns it). */
function readFrom(handle: FileHandle, size: number): Readable {
  return Readable.from(
    (async function* () {
      for (let position = 0; position < size;) {
        const { buffer, bytesRead } = await handle.read(
          Buffer.alloc(Math.min(1 << 20, size - position)),
          0,
          Math.min(1 << 20, size - position),
          position,
        );
        if (bytesRead === 0) throw new Error('cache entry ended early');
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    })(),
    { objectMode: false },
  );
}

/** Appends to an open file, leaving the handle open (the caller writes the trailer and syncs). */
function writeTo(handle: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      handle.write(chunk).then(() => done(), done);
    },
  });
}
