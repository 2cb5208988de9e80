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
export async function resolveInRoot(root: string, entryPath: string): Promise<string> {
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
    const stat = await lstat(candidate).catch(() => undefined);
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

async function applyEntry(root: string, header: tar.Header, body: EntryBody, asRoot: boolean): Promise<void> {
  const target = await resolveInRoot(root, header.name);
  const name = basename(header.name);
  await mkdir(dirname(target), { recursive: true });
  if (name === opaqueMarker) {
    // The directory's content from lower layers is hidden: this layer redefines it.
    for (const child of await readdir(dirname(target))) await rm(join(dirname(target), child), { recursive: true, force: true });
    return;
  }
  if (name.startsWith(whiteoutPrefix)) {
    await rm(join(dirname(target), name.slice(whiteoutPrefix.length)), { recursive: true, force: true });
    return;
  }
  if (target === root) return;
  switch (header.type) {
    case 'directory':
      await clear(target, true);
      await mkdir(target, { recursive: true });
      await chmod(target, header.mode);
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
      await link(await resolveInRoot(root, header.linkname), target);
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
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(layerFile), compression === 'gzip' ? createGunzip() : new PassThrough(), extract)
    .then(() => undefined, (error: unknown) => error);
  try {
    for await (const entry of extract) {
      await applyEntry(root, entry.header, entry, asRoot);
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
