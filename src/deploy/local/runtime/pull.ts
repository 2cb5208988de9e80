import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Failure } from '../../../shared/feedback/failure.ts';
import { stagingPath } from '../../../shared/fs.ts';
import { sha256 } from '../../../shared/hash.ts';
import type { PullSource } from './image-source.ts';
import {
  isIndex,
  layerCompression,
  parseImageConfig,
  parseIndex,
  parseManifest,
  pickPlatform,
  type Descriptor,
  type ImageConfig,
} from './oci.ts';
import { applyLayer } from './unpack.ts';
import { counted } from '../../../shared/plural.ts';

export interface PulledImage {
  digest: string;
  rootfs: string;
  config: ImageConfig;
  /** True when the rootfs was already unpacked by an earlier deploy. */
  cached: boolean;
}

const execFileAsync = promisify(execFile);
const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** stateDir/images/sha256-<hex>: no colon, so the path is safe inside PATH-like variables. */
export function imageDir(stateDir: string, digest: string): string {
  return join(stateDir, 'images', digest.replace(':', '-'));
}

function mismatch(image: string, what: string, expected: string, actual: string, reference: string): Failure {
  return new Failure(`image ${image}: ${what} ${expected} does not match its digest`, {
    details: [`expected ${expected}`, `received content hashing to ${actual}`, `pulled from ${reference}`],
    hint: 'The registry or image layout holds corrupt or tampered content: push the image again, then redeploy; nothing was deployed.',
  });
}

/** Streams a blob to `path` while hashing it; the file is used only if the hash matches. */
async function fetchVerified(
  source: PullSource,
  blob: Descriptor,
  path: string,
  image: string,
  what: string,
  reference: string,
): Promise<void> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const stream = await source.getBlob(blob.digest);
  await pipeline(stream as Readable, hashing, createWriteStream(path));
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== blob.digest) throw mismatch(image, what, blob.digest, actual, reference);
}

/** Fetches the manifest, following an index to this platform's manifest, all verified by digest. */
async function fetchManifest(source: PullSource, reference: string, digest: string, image: string, scratch: string) {
  const { body } = await source.getManifest(reference);
  const actual = `sha256:${sha256(body)}`;
  if (actual !== digest) throw mismatch(image, 'manifest', digest, actual, reference);
  let json: unknown = JSON.parse(body.toString('utf8'));
  if (isIndex(json)) {
    const entry = pickPlatform(parseIndex(json), process.arch);
    if (!entry)
      throw new Failure(`image ${image}: the image index has no linux/${process.arch} manifest`, { details: [`pulled from ${reference}`] });
    const path = join(scratch, 'manifest.json');
    await fetchVerified(source, entry, path, image, 'manifest', reference);
    json = JSON.parse(await readFile(path, 'utf8'));
  }
  return parseManifest(json);
}

/**
 * The directories and device nodes a chrooted Node process expects (device nodes need root).
 * Whatever the image put at these paths is replaced, never followed: a `dev -> /dev` symlink
 * must not make us create nodes on the host.
 */
async function prepareRootfs(rootfs: string): Promise<void> {
  for (const dir of ['proc', 'dev', 'tmp']) {
    const path = join(rootfs, dir);
    if (!(await lstat(path).catch(() => undefined))?.isDirectory()) await rm(path, { force: true });
    await mkdir(path, { recursive: true });
  }
  await chmod(join(rootfs, 'tmp'), 0o1777);
  if (process.getuid?.() !== 0) return;
  const devices: [string, number][] = [
    ['null', 3],
    ['zero', 5],
    ['random', 8],
    ['urandom', 9],
  ];
  for (const [name, minor] of devices) {
    const path = join(rootfs, 'dev', name);
    await rm(path, { force: true, recursive: true });
    await execFileAsync('mknod', ['-m', '666', path, 'c', '1', String(minor)]);
  }
}

/** A verified base layer unpacked on its own under stateDir/layers/, once per digest. */
async function unpackedLayer(
  stateDir: string,
  layer: Descriptor,
  compression: Parameters<typeof applyLayer>[1],
  fetch: (path: string) => Promise<void>,
): Promise<string> {
  const dir = join(stateDir, 'layers', layer.digest.replace(':', '-'));
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  )
    return dir;
  const staging = stagingPath(dir);
  await mkdir(staging, { recursive: true });
  try {
    const blob = `${staging}.blob`;
    await fetch(blob);
    await applyLayer(blob, compression, staging);
    await rm(blob);
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    });
    return dir;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await rm(`${staging}.blob`, { force: true });
    throw error;
  }
}

/**
 * Pulls an image by digest and unpacks its filesystem into stateDir/images/<digest>/rootfs, once:
 * everything lands in a staging directory renamed into place at the end, so an interrupted pull
 * never looks complete and a second deploy of the digest reuses it. Every blob is verified
 * against its digest before a byte of it is unpacked.
 */
export async function pullImage(opts: {
  source: PullSource;
  reference: string;
  digest: string;
  stateDir: string;
  image: string;
  onLog?: (line: string) => void;
}): Promise<PulledImage> {
  const { source, reference, digest, image } = opts;
  if (!digestPattern.test(digest))
    throw new Failure(`image ${image}: "${digest}" is not a sha256 digest`, {
      hint: 'Deploy images by the digest the release manifest records.',
    });
  const dir = imageDir(opts.stateDir, digest);
  const configPath = join(dir, 'config.json');
  const cached = await stat(configPath).then(
    () => true,
    () => false,
  );
  if (cached) return { digest, rootfs: join(dir, 'rootfs'), config: JSON.parse(await readFile(configPath, 'utf8')) as ImageConfig, cached };

  const staging = stagingPath(dir);
  await mkdir(join(staging, 'rootfs'), { recursive: true });
  try {
    const manifest = await fetchManifest(source, reference, digest, image, staging);
    const configBlob = join(staging, 'config-blob.json');
    await fetchVerified(source, manifest.config, configBlob, image, 'config', reference);
    const config = parseImageConfig(JSON.parse(await readFile(configBlob, 'utf8')));
    for (const [index, layer] of manifest.layers.entries()) {
      const compression = layerCompression(layer.mediaType);
      if (!compression)
        throw new Failure(
          `image ${image}: layer ${layer.digest} has media type ${layer.mediaType}, which the local runtime cannot unpack`,
          { hint: 'Build layers as tar or tar+gzip.' },
        );
      // The base layer (the runtime, tens of MB) is shared by every image and release: unpack it
      // once and give each rootfs hard links to it; later layers replace files, never edit them.
      // Only the first layer: linking a later one in could follow a symlink out of the rootfs.
      if (index === 0) {
        const unpacked = await unpackedLayer(opts.stateDir, layer, compression, (path) =>
          fetchVerified(source, layer, path, image, 'layer', reference),
        );
        await execFileAsync('cp', ['-a', '-l', `${unpacked}/.`, join(staging, 'rootfs')]);
        continue;
      }
      const layerFile = join(staging, `layer-${index}`);
      await fetchVerified(source, layer, layerFile, image, 'layer', reference);
      await applyLayer(layerFile, compression, join(staging, 'rootfs'));
      await rm(layerFile);
    }
    await prepareRootfs(join(staging, 'rootfs'));
    await rm(configBlob);
    await writeFile(join(staging, 'config.json'), JSON.stringify(config, null, 2));
    opts.onLog?.(`unpacked ${image} ${digest} (${counted(manifest.layers.length, 'layer')})`);
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another deploy unpacked the same digest meanwhile: its copy is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    });
    return { digest, rootfs: join(dir, 'rootfs'), config, cached: false };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
