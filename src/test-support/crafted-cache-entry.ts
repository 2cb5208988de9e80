import * as tar from 'tar-stream';
import { encodeTrailer, type EntryManifest } from '../build/cache/entry-file.ts';
import { sha256 } from '../shared/hash.ts';

/** One archive member, exactly as it goes into the tar (no checks: the point is hostile shapes). */
export interface CraftedMember {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  /** The target of a symlink or hard link. */
  linkname?: string;
  mode?: number;
}

/**
 * A cache entry file as someone who can write well-formed entries would make it: the archive holds
 * exactly `members`, in order, and the manifest names the key and the archive's real sha256, so
 * the entry passes every integrity check and only its content is hostile.
 */
export async function craftCacheEntry(
  key: string,
  paths: string[],
  members: CraftedMember[],
  meta?: Record<string, unknown>,
): Promise<Buffer> {
  const archive = await packMembers(members);
  const manifest: EntryManifest = {
    format: 1,
    key,
    sha256: sha256(archive),
    size: archive.length,
    compression: 'none',
    paths,
    files: members.map((member) => member.name),
    meta,
  };
  return Buffer.concat([archive, encodeTrailer(manifest)]);
}

async function packMembers(members: CraftedMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const { name, type, content, linkname, mode } of members) {
    const header = { name, type, linkname, mode: mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(0) };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry({ ...header, size: Buffer.byteLength(content ?? '') }, content ?? '', done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}
