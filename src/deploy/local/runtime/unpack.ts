import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { RealDirs, resolveInRoot } from '../../../shared/confined-path.ts';

const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

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
  const target = await resolveInRoot(root, header.name, { realDirs });
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
      await link(await resolveInRoot(root, header.linkname, { realDirs }), target);
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
