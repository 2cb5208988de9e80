import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { stagingPath, writeFileAtomic } from '../../shared/fs.ts';
import { sha256, sha256File } from '../../shared/hash.ts';
import type { BlobPushOutcome, RegistryApi } from './registry-api.ts';
import { readStateFile } from '../../shared/json-files.ts';

interface LayoutIndex {
  schemaVersion: 2;
  manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

const refName = 'org.opencontainers.image.ref.name';
const digestPattern = /^sha256:[a-f0-9]{64}$/;

/**
 * A registry kept on disk as one OCI image layout per repository (`<dir>/<repo>/index.json`,
 * `blobs/sha256/…`): the embedded default's registry where the Debian `docker-registry` is not
 * installed. Tools read it as `oci:<dir>/<repo>:<tag>`. Every blob is verified before it is
 * stored, and files appear only whole (written aside, then renamed), so no tag ever points at a
 * partial image.
 */
export class LayoutRegistry implements RegistryApi {
  readonly host = 'oci-layout';

  constructor(
    private readonly dir: string,
    private readonly options: { readOnly?: boolean } = {},
  ) {}

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return existsSync(this.blobFile(repo, digest));
  }

  async findBlob(repos: string[], digest: string): Promise<string | undefined> {
    return repos.find((repo) => existsSync(this.blobFile(repo, digest)));
  }

  /** A mount hard-links the source repository's blob (verified when it was stored), or copies it where links fail. */
  async pushBlob(repo: string, digest: string, path: string, size: number, opts: { mountFrom?: string } = {}): Promise<BlobPushOutcome> {
    this.refuseWhenReadOnly(repo);
    const target = this.blobFile(repo, digest);
    await mkdir(join(target, '..'), { recursive: true });
    const staging = stagingPath(target);
    const source = opts.mountFrom ? this.blobFile(opts.mountFrom, digest) : undefined;
    if (source && existsSync(source)) {
      await link(source, staging).catch(() => copyFile(source, staging));
      await rename(staging, target);
      return 'mounted';
    }
    const actual = `sha256:${await sha256File(path)}`;
    if (actual !== digest)
      throw new Failure(`blob for ${repo} hashes to ${actual}, not ${digest}`, { details: [`file: ${path} (${size} bytes)`] });
    await copyFile(path, staging);
    await rename(staging, target);
    return 'uploaded';
  }

  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    this.refuseWhenReadOnly(repo);
    const digest = `sha256:${sha256(body)}`;
    await writeFileAtomic(this.blobFile(repo, digest), body);
    if (!digestPattern.test(reference)) {
      // A tag: the index entry named after it now points at this manifest.
      const index = await this.readIndex(repo);
      index.manifests = index.manifests.filter((entry) => entry.annotations?.[refName] !== reference);
      index.manifests.push({ mediaType, digest, size: body.length, annotations: { [refName]: reference } });
      await writeFileAtomic(join(this.dir, repo, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      await writeFileAtomic(join(this.dir, repo, 'index.json'), JSON.stringify(index, null, 2) + '\n');
    }
    return digest;
  }

  async getManifest(repo: string, reference: string): Promise<{ body: Buffer; digest: string; mediaType: string }> {
    let digest = reference;
    let mediaType = 'application/vnd.oci.image.manifest.v1+json';
    if (!digestPattern.test(reference)) {
      const entry = (await this.readIndex(repo)).manifests.find((m) => m.annotations?.[refName] === reference);
      if (!entry) throw new Failure(`${repo}:${reference} is not in the image layout at ${join(this.dir, repo)}`);
      ({ digest, mediaType } = entry);
    }
    const body = await readFile(this.blobFile(repo, digest)).catch(() => {
      throw new Failure(`manifest ${repo}@${digest} is not in the image layout at ${join(this.dir, repo)}`);
    });
    return { body, digest: `sha256:${sha256(body)}`, mediaType };
  }

  async getBlob(repo: string, digest: string): Promise<NodeJS.ReadableStream> {
    const file = this.blobFile(repo, digest);
    if (!existsSync(file)) throw new Failure(`blob ${digest} of ${repo} is not in the image layout at ${join(this.dir, repo)}`);
    return createReadStream(file);
  }

  private blobFile(repo: string, digest: string): string {
    if (!digestPattern.test(digest)) throw new Failure(`"${digest}" is not a sha256 digest`);
    return join(this.dir, repo, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  private async readIndex(repo: string): Promise<LayoutIndex> {
    const path = join(this.dir, repo, 'index.json');
    const stored = await readStateFile<LayoutIndex>(
      path,
      `the OCI layout index of ${repo}`,
      'Push the release again to rewrite it, or remove the layout directory to start it afresh.',
    );
    return stored ?? { schemaVersion: 2, manifests: [] };
  }

  private refuseWhenReadOnly(repo: string): void {
    if (this.options.readOnly) {
      throw new Failure(`registry refused the upload of ${repo}: the image layout at ${this.dir} is read-only`, {
        hint: 'the registry is in read-only mode; try again when it accepts pushes',
      });
    }
  }
}
