import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { checkEntryFile } from './entry-check.ts';
import { readManifest } from './entry-file.ts';
import { classifyRemoteError } from './remote-problems.ts';
import type { LocalCache } from './local-cache.ts';
import { RemoteConnection, type S3RemoteConfig, type WarningListener } from './remote-connection.ts';

export type { S3RemoteConfig, WarningListener } from './remote-connection.ts';
export type FetchResult = 'hit' | 'miss' | 'unreachable';
export type UploadResult = 'uploaded' | 'skipped' | 'failed';

/** Object metadata naming the archive's sha256, so an upload can tell the remote already holds this entry. */
const shaMetadata = 'entry-sha256';

/**
 * A shared cache in an S3 bucket, holding the local cache's entry files unchanged as
 * `<prefix><key>.entry`. Nothing it does throws: problems are warnings (see RemoteConnection)
 * and the results say what happened.
 */
export class S3RemoteCache {
  readonly prefix: string;
  private readonly config: S3RemoteConfig;
  private readonly connection: RemoteConnection;

  /** `connection` is for scoped(): views of one bucket share the client, breaker and warnings. */
  constructor(config: S3RemoteConfig, opts: { onWarning?: WarningListener } = {}, connection?: RemoteConnection) {
    this.config = config;
    this.prefix = config.prefix ?? '';
    this.connection = connection ?? new RemoteConnection(config, opts.onWarning);
  }

  /** The same remote under `<prefix><subPrefix>`, e.g. one per local cache directory. */
  scoped(subPrefix: string): S3RemoteCache {
    return new S3RemoteCache({ ...this.config, prefix: this.prefix + subPrefix }, {}, this.connection);
  }

  get available(): boolean {
    return this.connection.available;
  }

  /**
   * Downloads the entry into localCache's directory and publishes it there by atomic rename, but
   * only once it checked out complete; a corrupt or truncated object is a miss (with a warning).
   */
  async fetch(key: string, localCache: LocalCache): Promise<FetchResult> {
    if (!this.connection.available) return 'unreachable';
    localCache.entryFile(key); // rejects an invalid key before anything is sent
    await mkdir(localCache.dir, { recursive: true });
    const temp = localCache.tempFile(key);
    try {
      try {
        const response = await this.connection.client.send(
          new GetObjectCommand({ Bucket: this.connection.bucket, Key: this.objectKey(key) }),
        );
        await pipeline(response.Body as Readable, createWriteStream(temp));
      } catch (error) {
        const kind = this.connection.report(error, 'download', key, this.prefix);
        return kind === 'unreachable' || kind === 'rejected' ? 'unreachable' : 'miss';
      }
      const check = await checkEntryFile(temp, key);
      if (!check.ok) {
        this.connection.warnOnce(
          'corrupt',
          `Remote cache entry s3://${this.connection.bucket}/${this.objectKey(key)} is ${check.problem}; treated as a miss and not installed locally.`,
        );
        return 'miss';
      }
      await localCache.adopt(key, temp);
      return 'hit';
    } finally {
      await rm(temp, { force: true });
    }
  }

  /**
   * Uploads the local entry unless the remote already holds the same one (same size and archive
   * sha256). PutObject replaces an object whole, so concurrent uploads of a key leave one valid entry.
   */
  async upload(key: string, localCache: LocalCache, signal?: AbortSignal): Promise<UploadResult> {
    return this.connection.limitUploads(async () => {
      if (!this.connection.available || signal?.aborted) return 'failed';
      // One handle for the whole upload: a concurrent local save renaming a new file in cannot mix two.
      const handle = await open(localCache.entryFile(key), 'r').catch(() => undefined);
      if (!handle) {
        this.connection.warnOnce('upload-gone', `Remote cache: ${key} left the local cache (evicted) before it could be uploaded.`);
        return 'failed';
      }
      try {
        const manifest = await readManifest(handle);
        if (!manifest) return 'failed'; // a corrupt local entry: its next restore evicts it
        const { size } = await handle.stat();
        const target = { Bucket: this.connection.bucket, Key: this.objectKey(key) };
        const existing = await this.connection.client
          .send(new HeadObjectCommand(target), { abortSignal: signal })
          .catch((error: unknown) => ({ error }));
        if ('error' in existing) {
          const kind = classifyRemoteError(existing.error);
          if (kind === 'unreachable' || kind === 'rejected') return this.failUpload(existing.error, key);
          // Otherwise missing, or a HEAD this identity may not make (403): the PUT decides.
        } else if (existing.ContentLength === size && existing.Metadata?.[shaMetadata] === manifest.sha256) {
          return 'skipped';
        }
        await this.connection.client.send(
          new PutObjectCommand({
            ...target,
            Body: handle.createReadStream({ start: 0, autoClose: false }),
            ContentLength: size,
            ContentType: 'application/octet-stream',
            Metadata: { [shaMetadata]: manifest.sha256 },
          }),
          { abortSignal: signal },
        );
        return 'uploaded';
      } catch (error) {
        return signal?.aborted ? 'failed' : this.failUpload(error, key); // abandoned by flush, which says so
      } finally {
        await handle.close();
      }
    });
  }

  /** Whether the remote holds an object for the key (false when it cannot be asked). */
  async has(key: string): Promise<boolean> {
    if (!this.connection.available) return false;
    try {
      await this.connection.client.send(new HeadObjectCommand({ Bucket: this.connection.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      this.connection.report(error, 'download', key, this.prefix);
      return false;
    }
  }

  /** Delivers a warning unless one of the same kind was already given in this run. */
  warnOnce(kind: string, message: string): void {
    this.connection.warnOnce(kind, message);
  }

  /** Closes the connections; call at the end of the run, after the last upload. */
  close(): void {
    this.connection.client.destroy();
  }

  private failUpload(error: unknown, key: string): 'failed' {
    this.connection.report(error, 'upload', key, this.prefix);
    return 'failed';
  }

  private objectKey(key: string): string {
    return `${this.prefix}${key}.entry`;
  }
}
