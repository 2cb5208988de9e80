import type { FileHandle } from 'node:fs/promises';

/**
 * An entry is one file: the archive, then its manifest (JSON), then a fixed-size trailer giving
 * the manifest's length. Writing the trailer last means a truncated file never parses, and one
 * file means one atomic rename publishes the whole entry. Nothing in it varies between two saves of
 * the same tree and meta (no timestamps), so the remote recognises an identical entry by its signature.
 */
export interface EntryManifest {
  format: 1;
  key: string;
  /** sha256 of the archive bytes. */
  sha256: string;
  /** Length of the archive in bytes. */
  size: number;
  compression: 'none' | 'gzip';
  /** The paths saved (relative to the source directory), present or not. */
  paths: string[];
  /** Every file, directory and symlink in the archive. */
  files: string[];
  meta?: Record<string, unknown>;
}

const magic = 'slipway-cache-1\n';
const lengthDigits = 16;
export const trailerLength = lengthDigits + magic.length;

export function encodeTrailer(manifest: EntryManifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest));
  return Buffer.concat([json, Buffer.from(String(json.length).padStart(lengthDigits, '0') + magic)]);
}

/** The manifest of an entry, or undefined when the file is truncated or not an entry. */
export async function readManifest(handle: FileHandle): Promise<EntryManifest | undefined> {
  const { size } = await handle.stat();
  if (size < trailerLength) return undefined;
  const trailer = await readAt(handle, size - trailerLength, trailerLength);
  if (trailer.subarray(lengthDigits).toString() !== magic) return undefined;
  const jsonLength = Number(trailer.subarray(0, lengthDigits).toString());
  if (!Number.isSafeInteger(jsonLength) || jsonLength > size - trailerLength) return undefined;
  try {
    const manifest = JSON.parse((await readAt(handle, size - trailerLength - jsonLength, jsonLength)).toString()) as EntryManifest;
    return manifest.format === 1 && manifest.size === size - trailerLength - jsonLength ? manifest : undefined;
  } catch {
    return undefined;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
