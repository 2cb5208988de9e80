import { lstat, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * How symlinks met in an entry's parent directories are treated while writing an archive under
 * a root:
 * - 'follow-inside': followed as a process chrooted into the root would follow them, so they can
 *   never lead outside it (image layers: `/lib -> usr/lib` is ordinary there);
 * - 'refuse': never followed; the entry is refused (cache entries: a link the archive made must
 *   not redirect a later write, and `..` is refused too).
 */
export type ParentLinks = 'follow-inside' | 'refuse';

/**
 * An archive entry refused because it could write, or lead, outside the root it is extracted
 * into. `entryPath` is the entry's name, `path` the offending path inside the archive (the entry
 * itself, or the link it would go through).
 */
export class UnsafeEntryError extends Error {
  constructor(
    readonly entryPath: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${entryPath}: ${reason}`);
    this.name = 'UnsafeEntryError';
  }
}

/** The non-empty components of a slash-separated path, "." dropped. */
export function pathComponents(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/**
 * The host path where an archive entry named `entryPath` goes under `root`. Parent directories
 * are checked as `parentLinks` says; the last component is never followed (the caller creates
 * or replaces it, and must not write through a link there either).
 */
export async function resolveInRoot(
  root: string,
  entryPath: string,
  opts: { parentLinks?: ParentLinks; realDirs?: RealDirs } = {},
): Promise<string> {
  const { parentLinks = 'follow-inside', realDirs } = opts;
  let pending = pathComponents(entryPath);
  const climbs = pending.includes('..');
  if (parentLinks === 'refuse' && climbs) throw new UnsafeEntryError(entryPath, entryPath, 'a ".." component');
  // A known real directory was reached through real directories only: its children need no walk.
  const lexical = join(root, ...pending);
  if (!climbs && pending.length > 1 && realDirs?.has(dirname(lexical))) return lexical;
  const last = pending.pop();
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    if (realDirs?.has(candidate)) {
      resolved.push(part);
      continue;
    }
    const stat = await lstat(candidate).catch(() => undefined);
    if (stat?.isDirectory()) realDirs?.add(candidate);
    if (stat?.isSymbolicLink()) {
      const linkPath = [...resolved, part].join('/');
      if (parentLinks === 'refuse') throw new UnsafeEntryError(entryPath, linkPath, `goes through the symbolic link ${linkPath}`);
      if (++hops > 40) throw new UnsafeEntryError(entryPath, linkPath, 'too many levels of symbolic links');
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending = [...pathComponents(target), ...pending];
      continue;
    }
    if (stat && !stat.isDirectory() && parentLinks === 'refuse') {
      const filePath = [...resolved, part].join('/');
      throw new UnsafeEntryError(entryPath, filePath, `${filePath} is not a directory`);
    }
    resolved.push(part);
  }
  if (last === undefined) return root;
  if (last === '..') return join(root, ...resolved.slice(0, -1));
  return join(root, ...resolved, last);
}

/**
 * Directories already checked to be real (not symlinks) inside the root, each reached through
 * real directories only, while applying one archive: thousands of files then cost one lstat per
 * directory, not per path component.
 */
export class RealDirs {
  private readonly dirs = new Set<string>();
  has(path: string): boolean {
    return this.dirs.has(path);
  }
  add(path: string): void {
    this.dirs.add(path);
  }
  /** Forgets a path and everything below it: it was removed or replaced. */
  forget(path: string): void {
    // A known directory's known children were reached through it, so only a known path has any.
    if (!this.dirs.delete(path)) return;
    for (const dir of this.dirs) if (dir.startsWith(path + '/')) this.dirs.delete(dir);
  }
}
