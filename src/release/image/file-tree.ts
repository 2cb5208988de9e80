import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileMode, type LayerEntry } from './layer-entry.ts';

/** Decides whether a path (relative to the walked root, posix separators) goes into the layer. */
export type PathFilter = (relativePath: string, isDirectory: boolean) => boolean;

/**
 * Lists a host directory as layer entries placed under `imageDir`. Symlinks are kept as
 * symlinks; sockets, fifos and devices are left out (they never belong in an image).
 */
export async function collectTree(sourceDir: string, imageDir: string, include: PathFilter): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [{ type: 'directory', path: imageDir, mode: 0o755 }];
  async function walk(relativeDir: string): Promise<void> {
    const children = await readdir(join(sourceDir, relativeDir), { withFileTypes: true });
    for (const child of children) {
      const relative = relativeDir ? posix.join(relativeDir, child.name) : child.name;
      const source = join(sourceDir, relative);
      const path = posix.join(imageDir, relative);
      if (child.isDirectory()) {
        if (!include(relative, true)) continue;
        entries.push({ type: 'directory', path, mode: 0o755 });
        await walk(relative);
      } else if (child.isSymbolicLink()) {
        if (include(relative, false)) entries.push({ type: 'symlink', path, target: await readlink(source) });
      } else if (child.isFile()) {
        if (!include(relative, false)) continue;
        const stats = await lstat(source);
        entries.push({ type: 'file', path, mode: fileMode(stats.mode), size: stats.size, source });
      }
    }
  }
  await walk('');
  return entries;
}

/** Build output minus what only tests and debuggers need: `*.test.js`, source maps, test dirs. */
export const buildOutputFilter: PathFilter = (relativePath, isDirectory) => {
  const name = posix.basename(relativePath);
  if (isDirectory) return !['test', 'tests', '__tests__'].includes(name);
  return !/\.(test|spec)\.[cm]?js$/.test(name) && !name.endsWith('.map');
};

/** A package's shippable part: its package.json and its filtered dist/. */
export const packageJsonAndDist: PathFilter = (relativePath, isDirectory) => {
  if (relativePath === 'package.json') return !isDirectory;
  if (relativePath === 'dist') return isDirectory;
  return relativePath.startsWith('dist/') && buildOutputFilter(relativePath, isDirectory);
};

/** An installed package minus its nested node_modules, which ship only if in the closure. */
export const withoutNestedNodeModules: PathFilter = (relativePath, isDirectory) =>
  !(isDirectory && posix.basename(relativePath) === 'node_modules');
