import { createReadStream, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

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
    const entries = (await Promise.all([...new Set(paths)].sort().map((relPath) => listTree(sourceDir, relPath)))).flat();
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
 * Writes the archive read from `source` under targetDir. Entry names must stay inside one of
 * `roots`: an archive never writes outside the paths it was asked for.
 */
export async function extractArchive(source: Readable[], targetDir: string, roots: string[]): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline([...source, extract] as unknown as Parameters<typeof pipeline>[0][]);
  feeding.catch(() => undefined); // awaited below; the loop sees the same error first
  const directoryModes: Array<[string, number]> = [];
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    made.add(dir);
  };
  try {
    for await (const entry of extract) {
      const { name, type, mode = 0o644, linkname } = entry.header;
      const path = join(targetDir, safeName(name, roots));
      if (type === 'directory') {
        await ensureDir(path);
        directoryModes.push([path, mode]);
        entry.resume();
      } else if (type === 'symlink') {
        await ensureDir(dirname(path));
        await symlink(linkname!, path);
        entry.resume();
      } else if (type === 'file') {
        await ensureDir(dirname(path));
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        await writeFile(path, Buffer.concat(chunks), { mode });
        if ((mode & umask) !== 0) await chmod(path, mode);
      } else {
        throw new Error(`unexpected ${type} entry ${name}`);
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

function safeName(name: string, roots: string[]): string {
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  const normalized = segments.join('/');
  const inside = roots.some((root) => normalized === root || normalized.startsWith(`${root}/`));
  if (name.startsWith('/') || segments.includes('..') || !inside) throw new Error(`archive entry ${name} is outside the saved paths`);
  return normalized;
}
