import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readManifest, type EntryManifest } from './entry-file.ts';

export type EntryCheck = { ok: true; manifest: EntryManifest } | { ok: false; problem: string };

/**
 * Whether the file at `path` is a complete entry for `key`: its trailer and manifest parse, the
 * manifest names this key, and the archive's sha256 matches. Used before a file that came from
 * elsewhere (a remote cache) is published into the local cache.
 */
export async function checkEntryFile(path: string, key: string): Promise<EntryCheck> {
  const handle = await open(path, 'r');
  try {
    const manifest = await readManifest(handle);
    if (!manifest) return { ok: false, problem: 'truncated or not a cache entry (no valid manifest)' };
    if (manifest.key !== key) return { ok: false, problem: `stored under the wrong key (its manifest says "${manifest.key}")` };
    const digest = createHash('sha256');
    if (manifest.size > 0) {
      for await (const chunk of handle.createReadStream({ start: 0, end: manifest.size - 1, autoClose: false }))
        digest.update(chunk as Buffer);
    }
    if (digest.digest('hex') !== manifest.sha256)
      return { ok: false, problem: 'corrupt (its archive does not match the sha256 in its manifest)' };
    return { ok: true, manifest };
  } finally {
    await handle.close();
  }
}
