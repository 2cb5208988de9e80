import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * torn one: write to a sibling temp file, fsync (unless `sync` is false: see writeMemo), then
 * rename over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, { sync = true } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    // A full disk or a read-only directory: no half-written temp file is left behind.
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A path beside `path` for staging a directory or file before an atomic rename. */
export function stagingPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.staging`;
}
