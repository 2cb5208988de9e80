import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { readManifest, type EntryManifest } from './entry-file.ts';

/** What is wrong with an entry whose bytes are not what its writer wrote. */
export const truncatedEntry = 'truncated or not a cache entry (no valid manifest)';
export const corruptEntry = 'corrupt (its archive does not match the sha256 in its manifest)';

/** A complete entry comes with the sha256 of the whole file (archive, manifest and trailer), which is what a signature covers. */
export type EntryCheck = { ok: true; manifest: EntryManifest; fileSha256: string } | { ok: false; problem: string };

/**
 * Whether the file at `path` is a complete entry for `key`: its trailer and manifest parse, the
 * manifest names this key, and the archive's sha256 matches. Used before a file that came from
 * elsewhere (a remote cache) is published into the local cache.
 */
export async function checkEntryFile(path: string, key: string): Promise<EntryCheck> {
  const handle = await open(path, 'r');
  try {
    return await checkEntry(handle, key);
  } finally {
    await handle.close();
  }
}

/** checkEntryFile on an open file, which stays open (the caller owns it). One pass over the bytes. */
export async function checkEntry(handle: FileHandle, key: string): Promise<EntryCheck> {
  const manifest = await readManifest(handle);
  if (!manifest) return { ok: false, problem: truncatedEntry };
  if (manifest.key !== key) return { ok: false, problem: `stored under the wrong key (its manifest says "${manifest.key}")` };
  const archive = createHash('sha256');
  const whole = createHash('sha256');
  let position = 0;
  for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    if (position < manifest.size) archive.update(chunk.subarray(0, manifest.size - position));
    position += chunk.length;
  }
  if (archive.digest('hex') !== manifest.sha256) return { ok: false, problem: corruptEntry };
  return { ok: true, manifest, fileSha256: whole.digest('hex') };
}
