import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/**
 * The host path of `entryPath` as a process chrooted into `root` would see it: symlinks in the
 * parent directories are followed inside the root (an image's `/etc -> /host/etc` link must not
 * let a later layer write outside it; we unpack as root), the last component is not followed.
 */
export async function resolveInRoot(root: string, entryPath: string, realDirs?: RealDirs): Promise<string> {
  let pending = components(entryPath);
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
      if (++hops > 40) throw new Error(`${entryPath}: too many levels of symbolic links`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending = [...components(target), ...pending];
      continue;
    }
    resolved.push(part);
  }
  if (last === undefined) return root;
  if (last === '..') return join(root, ...resolved.slice(0, -1));
  return join(root, ...resolved, last);
}

/**
 * Directories already checked to be real (not symlinks) inside the root while applying one layer:
 * a layer of thousands of files then costs one lstat per directory, not per path component.
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

/** Removes whatever a lower layer left at `path` so this layer's entry replaces it. */
async function clear(path: string, keepDirectory: boolean): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat || (keepDirectory && stat.isDirectory())) return;
  await rm(path, { recursive: true, force: true });
}

/** The body of a tar entry (a streamx stream, whose types lack async iteration). */
interface EntryBody {
  pipe<S>(destination: S, done: (error: Error | null) => void): S;
}

function writeBody(body: EntryBody, path: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => body.pipe(createWriteStream(path, { mode }), (error) => (error ? reject(error) : resolve())));
}

async function applyEntry(root: string, header: tar.Header, body: EntryBody, asRoot: boolean, realDirs: RealDirs): Promise<void> {
  const target = await resolveInRoot(root, header.name, realDirs);
  const name = basename(header.name);
  if (!realDirs.has(dirname(target))) {
    // The parents resolved inside the root without symlinks, so what mkdir creates is real.
    await mkdir(dirname(target), { recursive: true });
    realDirs.add(dirname(target));
  }
  if (name === opaqueMarker) {
    // The directory's content from lower layers is hidden: this layer redefines it.
    for (const child of await readdir(dirname(target))) {
      realDirs.forget(join(dirname(target), child));
      await rm(join(dirname(target), child), { recursive: true, force: true });
    }
    return;
  }
  if (name.startsWith(whiteoutPrefix)) {
    realDirs.forget(join(dirname(target), name.slice(whiteoutPrefix.length)));
    await rm(join(dirname(target), name.slice(whiteoutPrefix.length)), { recursive: true, force: true });
    return;
  }
  if (target === root) return;
  if (header.type !== 'directory') realDirs.forget(target);
  switch (header.type) {
    case 'directory':
      await clear(target, true);
      await mkdir(target, { recursive: true });
      await chmod(target, header.mode);
      realDirs.add(target);
      break;
    case 'file':
    case 'contiguous-file':
      await clear(target, false);
      await writeBody(body, target, header.mode);
      await chmod(target, header.mode); // the umask applied at creation
      break;
    case 'symlink':
      await clear(target, false);
      await symlink(header.linkname, target);
      break;
    case 'link':
      await clear(target, false);
      await link(await resolveInRoot(root, header.linkname, realDirs), target);
      break;
    default:
      // Devices and fifos: the runtime creates the few device nodes a service needs itself.
      return;
  }
  if (asRoot) await lchown(target, header.uid, header.gid);
}

/**
 * Applies one layer (a tar file, gzip or plain) on top of `root`, in the order of its entries,
 * with OCI whiteouts: `.wh.name` deletes name, `.wh..wh..opq` empties the directory. Ownership is
 * kept only when running as root (a non-root unpack owns every file).
 */
export async function applyLayer(layerFile: string, compression: 'gzip' | 'none', root: string): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const realDirs = new RealDirs();
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(layerFile), compression === 'gzip' ? createGunzip() : new PassThrough(), extract).then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    for await (const entry of extract) {
      await applyEntry(root, entry.header, entry, asRoot, realDirs);
      entry.resume(); // drains the body of entries that carry no file content
    }
  } catch (error) {
    extract.destroy();
    await feeding;
    throw error;
  }
  const error = await feeding;
  if (error) throw error;
}
