import { pathComponents, UnsafeEntryError } from '../../shared/confined-path.ts';

/**
 * The rules for the paths inside a cache entry, apart from the filesystem: an entry restores
 * only under the paths it was saved for, and its symlinks only point inside the directory it is
 * restored into.
 */

/** The entry's name, normalised; refused when absolute, climbing with "..", or not under one of `roots`. */
export function entryName(name: string, roots: string[]): string {
  const segments = pathComponents(name);
  const normalized = segments.join('/');
  if (name.startsWith('/')) throw new UnsafeEntryError(name, name, 'an absolute name');
  if (segments.includes('..')) throw new UnsafeEntryError(name, name, 'a ".." component');
  const inside = roots
    .map((root) => pathComponents(root).join('/'))
    .some((root) => normalized === root || normalized.startsWith(`${root}/`));
  if (!inside || normalized === '') throw new UnsafeEntryError(name, name, 'outside the saved paths');
  return normalized;
}

/**
 * Why a symlink at `linkPath` (relative to the restore directory) pointing to `target` may not be
 * restored, or undefined when it stays inside. Only leading ".." are allowed: after a name, ".."
 * would climb out of wherever that name leads, and the name may be a link too (this entry's, or
 * another's), so only the leading ones can be counted.
 */
export function linkEscape(linkPath: string, target: string): string | undefined {
  if (target === '') return 'an empty target';
  if (target.startsWith('/')) return `points to the absolute path ${target}`;
  const parts = pathComponents(target);
  const ups = parts.findIndex((part) => part !== '..');
  const leading = ups === -1 ? parts.length : ups;
  if (parts.slice(leading).includes('..')) return `points to ${target}, with ".." after a name`;
  const depth = pathComponents(linkPath).length - 1;
  if (leading > depth) return `points to ${target}, outside the directory it is restored into`;
  return undefined;
}
