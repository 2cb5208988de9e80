import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../../shared/feedback/failure.ts';
import { parseIndex } from './oci.ts';

/** Where the runtime pulls images from: the registry client and OCI layouts are adapted to this. */
export interface PullSource {
  /** The manifest (or index) bytes exactly as stored, and the digest the source claims for them. */
  getManifest(reference: string): Promise<{ body: Buffer; digest: string }>;
  getBlob(digest: string): Promise<NodeJS.ReadableStream>;
}

/**
 * An OCI image layout directory (index.json + blobs/sha256/…). A reference is matched by the
 * digest it pins ("name@sha256:…" or "sha256:…"), else by its tag against the
 * org.opencontainers.image.ref.name annotation ("v1", or the whole reference).
 */
export function ociLayoutSource(layoutDir: string): PullSource {
  const blobPath = (digest: string) => {
    const match = /^sha256:([a-f0-9]{64})$/.exec(digest);
    if (!match) throw new Failure(`OCI layout ${layoutDir}: "${digest}" is not a sha256 digest`);
    return join(layoutDir, 'blobs', 'sha256', match[1]);
  };
  return {
    async getManifest(reference) {
      const index = parseIndex(JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')));
      const pinned = /(sha256:[a-f0-9]{64})$/.exec(reference)?.[1];
      const tag = reference.includes('@') ? undefined : reference.slice(reference.lastIndexOf(':') + 1);
      const found = index.manifests.find((m) =>
        pinned ? m.digest === pinned : [reference, tag].includes(m.annotations?.['org.opencontainers.image.ref.name']),
      );
      const digest = found?.digest ?? pinned;
      if (!digest) throw new Failure(`image ${reference} is not in the OCI layout ${layoutDir}`);
      return { body: await readFile(blobPath(digest)), digest };
    },
    async getBlob(digest) {
      const path = blobPath(digest);
      await access(path).catch(() => {
        throw new Failure(`blob ${digest} is missing from the OCI layout ${layoutDir}`);
      });
      return createReadStream(path);
    },
  };
}
