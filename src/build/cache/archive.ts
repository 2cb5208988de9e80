import { createReadStream, type Stats } from 'node:fs';
import { chmod, link, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { pathComponents, RealDirs, resolveInRoot, UnsafeEntryError } from '../../shared/confined-path.ts';
import { entryName, linkEscape } from './entry-paths.ts';

/** Fixed so identical trees give identical archives (restored files get the restore time). */
const fixedMtime = new Date(0);
/** Files above this are streamed; smaller ones are read whole, several ahead of the packer. */
const streamAbove = 4 * 1024 * 1024;
const readAhead = 32;
/** Read once: restored files are created under it, so a chmod is needed only where it strips bits. */
const umask = process.umask();

interface TreeEntry {
  relPath: string;
  stats: Stats;
}

/**
 * A tar stream of `paths` (relative to sourceDir; missing ones skipped): regular files with
 * their modes, directories, and symlinks kept as symlinks. `files` lists what went in, once
 * the stream has ended.
 */
export function packPaths(sourceDir: string, paths: string[]): { stream: Readable; files: string[] } {
  const pack = tar.pack();
  const files: string[] = [];
  type Header = Parameters<typeof pack.entry>[0];
  const add = (header: Header, content?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content) pack.entry(header, content, done);
      else pack.entry(header, done);
    });
  (async () => {
    const entries = (await Promise.all(outermost(paths).map((relPath) => listTree(sourceDir, relPath)))).flat();
    const contents = new Map<number, Promise<Buffer | string>>();
    const prefetch = (index: number) => {
      const entry = entries[index];
      if (!entry || contents.has(index)) return;
      const path = join(sourceDir, entry.relPath);
      if (entry.stats.isSymbolicLink()) contents.set(index, readlink(path));
      else if (entry.stats.isFile() && entry.stats.size <= streamAbove) contents.set(index, readFile(path));
    };
    for (let i = 0; i < entries.length; i++) {
      for (let ahead = i; ahead < i + readAhead; ahead++) prefetch(ahead);
      const { relPath, stats } = entries[i];
      const base = { name: relPath, mode: stats.mode & 0o7777, mtime: fixedMtime };
      const content = await contents.get(i);
      contents.delete(i);
      if (stats.isSymbolicLink()) {
        await add({ ...base, type: 'symlink', linkname: content as string });
      } else if (stats.isDirectory()) {
        await add({ ...base, type: 'directory' });
      } else if (content !== undefined) {
        await add({ ...base, type: 'file', size: stats.size }, content as Buffer);
      } else {
        const sink = pack.entry({ ...base, type: 'file', size: stats.size });
        await pipeline(createReadStream(join(sourceDir, relPath)), sink as unknown as NodeJS.WritableStream);
      }
      files.push(relPath);
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  // streamx streams work with node's stream.pipeline; only the typings differ.
  return { stream: pack as unknown as Readable, files };
}

/** The paths without those inside another one (listed once: an entry never holds a path twice), sorted. */
function outermost(paths: string[]): string[] {
  const unique = [...new Set(paths)].sort();
  return unique.filter((path) => !unique.some((other) => path.startsWith(`${other}/`)));
}

/** A path and everything under it, parents before children, in a stable order. Sockets, fifos and devices are skipped. */
async function listTree(sourceDir: string, relPath: string): Promise<TreeEntry[]> {
  const stats = await lstat(join(sourceDir, relPath)).catch(() => undefined);
  if (!stats || !(stats.isFile() || stats.isDirectory() || stats.isSymbolicLink())) return [];
  if (!stats.isDirectory()) return [{ relPath, stats }];
  const children = (await readdir(join(sourceDir, relPath))).sort();
  const below = await Promise.all(children.map((child) => listTree(sourceDir, `${relPath}/${child}`)));
  return [{ relPath, stats }, ...below.flat()];
}

/**
 * Writes the archive read from `source` under targetDir, which must be a fresh directory. Nothing
 * in the archive can write, or lead, outside it: names must stay inside one of `roots`; no entry
 * is written through a link (nor replaces anything) an earlier entry made; symlinks must point
 * inside targetDir; hard links only to files extracted before them. A refused entry throws an
 * UnsafeEntryError naming it, and the caller discards the directory.
 */
export async function extractArchive(source: Readable[], targetDir: string, roots: string[]): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline([...source, extract] as unknown as Parameters<typeof pipeline>[0][]);
  feeding.catch(() => undefined); // awaited below; the loop sees the same error first
  const directoryModes: Array<[string, number]> = [];
  const realDirs = new RealDirs();
  const files = new Set<string>();
  try {
    for await (const entry of extract) {
      const { name, type, mode = 0o644, linkname = '' } = entry.header;
      const relPath = entryName(name, roots);
      const path = await resolveInRoot(targetDir, relPath, { parentLinks: 'refuse', realDirs });
      if (!realDirs.has(dirname(path))) {
        // Its parents resolved without links or files in the way, so what mkdir creates is real.
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        realDirs.add(dirname(path));
      }
      const exclusive = (error: NodeJS.ErrnoException): never => {
        if (error.code === 'EEXIST') throw new UnsafeEntryError(name, relPath, 'replaces what an earlier entry of the archive put there');
        throw error;
      };
      if (type === 'directory') {
        await mkdir(path, { mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST' || !(await lstat(path)).isDirectory()) exclusive(error);
        });
        realDirs.add(path);
        directoryModes.push([path, mode]);
        entry.resume();
      } else if (type === 'symlink') {
        const escape = linkEscape(relPath, linkname);
        if (escape) throw new UnsafeEntryError(name, relPath, `a symbolic link that ${escape}`);
        await symlink(linkname, path).catch(exclusive);
        entry.resume();
      } else if (type === 'link') {
        // Extracted names are relative and free of "..", so an absolute or climbing target is never among them.
        const source = pathComponents(linkname).join('/');
        if (linkname.startsWith('/') || !files.has(source))
          throw new UnsafeEntryError(name, relPath, `a hard link to ${linkname}, which is not a file extracted before it`);
        await link(join(targetDir, source), path).catch(exclusive);
        files.add(relPath);
        entry.resume();
      } else if (type === 'file') {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        // 'wx': never through a link at the last component, never over an earlier entry.
        await writeFile(path, Buffer.concat(chunks), { mode, flag: 'wx' }).catch(exclusive);
        if ((mode & umask) !== 0) await chmod(path, mode);
        files.add(relPath);
      } else {
        throw new UnsafeEntryError(name, relPath, `a ${type} entry, which a cache entry never holds`);
      }
    }
    await feeding;
  } catch (error) {
    for (const stream of source) stream.destroy();
    throw error;
  }
  // Deepest first, so a read-only directory does not block setting its children.
  for (const [path, mode] of directoryModes.reverse()) await chmod(path, mode);
}
