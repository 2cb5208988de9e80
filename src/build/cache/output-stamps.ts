import { writeMemo } from '../../shared/json-files.ts';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../shared/hash.ts';

/** What a cache entry left in the working tree, as the stages report it in their outputs. */
export interface PlacedOutputs {
  key: string;
  dir: string;
  paths: string[];
}

/** One file's identity on disk: path, kind, size, inode and change/modify times (ms, to the µs). */
type FileStamp = [relPath: string, kind: 'f' | 'd' | 'l', size: number, ino: number, ctimeMs: number, mtimeMs: number];

/**
 * What a cache entry last put (or found) in a directory, as git's index does it: when every file
 * still has the same size, inode and change time, the outputs are the entry's and restoring them
 * again would only rewrite identical bytes. Any edit, deletion or addition changes a stamp.
 */
export class OutputStamps {
  constructor(readonly dir: string) {}

  /** True when `paths` under targetDir are exactly what `key` recorded there. */
  async unchanged(key: string, targetDir: string, paths: string[]): Promise<boolean> {
    const recorded = readIfExists(this.stampPath(targetDir, paths));
    if (!recorded) return false;
    const current = stampTree(targetDir, paths);
    return recorded === JSON.stringify({ key, files: current });
  }

  async record(key: string, targetDir: string, paths: string[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeMemo(this.stampPath(targetDir, paths), JSON.stringify({ key, files: stampTree(targetDir, paths) }));
  }

  private stampPath(targetDir: string, paths: string[]): string {
    return join(this.dir, `${sha256(JSON.stringify([targetDir, [...paths].sort()]))}.json`);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Every file's stamp under `paths` of `root`. Synchronous on purpose: a warm run checks thousands
 * of files, and one lstat call each without a round trip through the thread pool is several times
 * faster than the promise version (and plain numbers than bigint ones).
 */
export function stampTree(root: string, paths: string[]): FileStamp[] {
  const stamps: FileStamp[] = [];
  const visit = (relPath: string): void => {
    const path = `${root}/${relPath}`;
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats) return;
    const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : 'f';
    stamps.push([relPath, kind, stats.size, stats.ino, stats.ctimeMs, stats.mtimeMs]);
    if (kind === 'd') for (const name of readdirSync(path).sort()) visit(`${relPath}/${name}`);
  };
  for (const relPath of [...new Set(paths)].sort()) visit(relPath);
  return stamps;
}

/**
 * Puts an entry's outputs in place: nothing to do when they already are (the common warm run),
 * else restored from the cache and stamped. 'miss' when the cache does not have the key.
 */
export async function restoreOutputs(opts: {
  cache: { restore(key: string, targetDir: string, paths: string[]): Promise<boolean> };
  stamps: OutputStamps;
  key: string;
  dir: string;
  paths: string[];
}): Promise<'in-place' | 'restored' | 'miss'> {
  const { cache, stamps, key, dir, paths } = opts;
  if (await stamps.unchanged(key, dir, paths)) return 'in-place';
  if (!(await cache.restore(key, dir, paths))) return 'miss';
  await stamps.record(key, dir, paths);
  return 'restored';
}
