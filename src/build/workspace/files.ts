import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gitOrUndefined } from '../../shared/git.ts';
import { defaultHomeName } from '../../shared/home.ts';

/**
 * Every file under the workspace root (paths relative to it, forward slashes, node_modules, .git
 * and Slipway's home skipped) with its git blob id, or `undefined` where the content still has to be read:
 * files that are modified or untracked. Git already knows the ids of unchanged tracked files,
 * which makes a no-op run cheap. Outside a git repository every file has to be read.
 */
export interface FileListing {
  files: Map<string, string | undefined>;
  /** Object id algorithm of the repository: ids of read files are computed the same way. */
  algorithm: 'sha1' | 'sha256';
}

export async function listFiles(root: string): Promise<FileListing> {
  // One git process (spawning dominates the cost): every tracked file with its index id, tagged
  // H; modified ones again as C, deleted ones as R, untracked ones as ?.
  const listing = await gitOrUndefined(root, ['ls-files', '-z', '-t', '-s', '-c', '-m', '-d', '-o', '--exclude-standard']);
  if (listing === undefined) return { files: await walkFiles(root), algorithm: 'sha1' };
  const files = new Map<string, string | undefined>();
  const changed: string[] = [];
  const deleted = new Set<string>();
  let algorithm: FileListing['algorithm'] = 'sha1';
  for (const record of listing.split('\0')) {
    if (record === '') continue;
    const tag = record[0];
    if (tag === 'H' || tag === 'S') {
      // "H <mode> <id> <stage>\t<path>" (S: the same, outside a sparse checkout)
      const tab = record.indexOf('\t');
      const id = record.slice(2, tab).split(' ')[1];
      const path = record.slice(tab + 1);
      if (id.length === 64) algorithm = 'sha256';
      if (!isIgnoredPath(path) && !files.has(path)) files.set(path, id);
    } else {
      // "C <mode> <id> <stage>\t<path>" for modified and deleted files, "? <path>" for untracked ones.
      const tab = record.indexOf('\t');
      const path = tag === '?' || tab < 0 ? record.slice(2) : record.slice(tab + 1);
      if (tag === 'R') deleted.add(path);
      else if (!isIgnoredPath(path)) changed.push(path);
    }
  }
  for (const path of changed) files.set(path, undefined);
  for (const path of deleted) files.delete(path);
  return { files, algorithm };
}

/**
 * The work tree's listing for one run: the one taken when the run started (the unchanged-run check
 * lists it first), or the first one asked for, reused by every hash of the run instead of asking
 * git again; until a step that may write sources (an install's lifecycle scripts) says it changed.
 * Builds write only outputs, which are never inputs.
 */
export class WorkTreeListing {
  private listing: Promise<FileListing> | undefined;

  constructor(
    private readonly root: string,
    found?: FileListing,
  ) {
    this.listing = found && Promise.resolve(found);
  }

  /** The listing of `root` (relative paths): this run's for the repository, a new one for another directory. */
  of(root: string): Promise<FileListing> {
    if (root !== this.root) return listFiles(root);
    this.listing ??= listFiles(root);
    return this.listing;
  }

  /** The work tree may have changed: the next listing asks git again. */
  changed(): void {
    this.listing = undefined;
  }
}

/**
 * Git's blob id of a file (of a symlink: of its target, as git stores it); undefined when it is
 * gone. A modified submodule shows up as a directory: its id is its HEAD commit.
 */
export async function blobId(path: string, algorithm: FileListing['algorithm']): Promise<string | undefined> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return undefined;
  if (stats.isDirectory()) return (await gitOrUndefined(path, ['rev-parse', 'HEAD']))?.trim() ?? 'directory';
  const content = stats.isSymbolicLink() ? Buffer.from(await readlink(path)) : await readFile(path);
  return createHash(algorithm).update(`blob ${content.length}\0`).update(content).digest('hex');
}

function isIgnoredPath(path: string): boolean {
  return path.startsWith('node_modules/') || path.includes('/node_modules/');
}

/** Every file and symlink under root (relative paths), node_modules, .git and Slipway's home skipped; their ids unread. */
export async function walkFiles(root: string): Promise<Map<string, string | undefined>> {
  const files = new Map<string, string | undefined>();
  const visit = async (relDir: string): Promise<void> => {
    const entries = await readdir(join(root, relDir), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const relPath = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && entry.name !== '.git' && entry.name !== defaultHomeName) await visit(relPath);
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          files.set(relPath, undefined);
        }
      }),
    );
  };
  await visit('');
  return files;
}
