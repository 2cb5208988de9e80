import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { checkEntry, checkEntryFile } from './entry-check.ts';
import type { EntryManifest } from './entry-file.ts';
import type { EntrySignatures } from './entry-signature.ts';
import { classifyRemoteError } from './remote-problems.ts';
import { measuringStream } from '../../shared/hash.ts';
import type { LocalCache } from './local-cache.ts';
import { RemoteConnection, type S3RemoteConfig, type WarningListener } from './remote-connection.ts';

export type { S3RemoteConfig, WarningListener } from './remote-connection.ts';
/** What a fetch found: on a hit, the installed entry's manifest as its check read it. */
export type FetchResult = { found: 'hit'; manifest: EntryManifest } | { found: 'miss' | 'unreachable' };
export type UploadResult = 'uploaded' | 'skipped' | 'failed';

/** Object metadata holding the entry's signature (see EntrySignatures); S3 lower-cases metadata names. */
const signatureMetadata = 'entry-signature';

export interface RemoteCacheOptions {
  /** Verifies every download; signs uploads when it can. */
  signatures: EntrySignatures;
  /** False for a run that only reads (its branch may not write, or it holds no key that signs). */
  upload: boolean;
  onWarning?: WarningListener;
  /** The signing key as read, kept out of every message. */
  secrets?: string[];
}

/**
 * A shared cache in an S3 bucket, holding the local cache's entry files unchanged as
 * `<prefix><key>.entry`, each signed (in its metadata) over its object name and the sha256 of its
 * bytes. Nothing it does throws: problems are warnings (see RemoteConnection) and the results say
 * what happened.
 */
export class S3RemoteCache {
  readonly prefix: string;
  private readonly config: S3RemoteConfig;
  private readonly options: RemoteCacheOptions;
  private readonly connection: RemoteConnection;

  /** `connection` is for scoped(): views of one bucket share the client, breaker and warnings. */
  constructor(config: S3RemoteConfig, options: RemoteCacheOptions, connection?: RemoteConnection) {
    this.config = config;
    this.options = options;
    this.prefix = config.prefix ?? '';
    this.connection = connection ?? new RemoteConnection(config, options.onWarning, options.secrets);
  }

  /** The same remote under `<prefix><subPrefix>`, e.g. one per local cache directory. */
  scoped(subPrefix: string): S3RemoteCache {
    return new S3RemoteCache({ ...this.config, prefix: this.prefix + subPrefix }, this.options, this.connection);
  }

  get available(): boolean {
    return this.connection.available;
  }

  /** Whether this run uploads what it saves. */
  get uploads(): boolean {
    return this.options.upload && this.options.signatures.sign !== undefined;
  }

  /**
   * Downloads the entry into localCache's directory and publishes it there by atomic rename, but
   * only once its signature matched the bytes downloaded (hashed here, never taken from the entry)
   * and this key, and it checked out complete. Anything else is a miss with one warning naming
   * the object, and nothing is installed.
   */
  async fetch(key: string, localCache: LocalCache): Promise<FetchResult> {
    if (!this.connection.available) return { found: 'unreachable' };
    localCache.entryFile(key); // rejects an invalid key before anything is sent
    await mkdir(localCache.dir, { recursive: true });
    const temp = localCache.tempFile(key);
    const objectName = this.objectKey(key);
    const refuse = (problem: string): FetchResult => {
      this.connection.refuse(
        objectName,
        `Remote cache entry s3://${this.connection.bucket}/${objectName} ${problem}; refused: treated as a miss and not installed locally.`,
      );
      return { found: 'miss' };
    };
    try {
      const downloaded = measuringStream();
      let signature: string | undefined;
      try {
        const response = await this.connection.client.send(new GetObjectCommand({ Bucket: this.connection.bucket, Key: objectName }));
        signature = response.Metadata?.[signatureMetadata];
        await pipeline(response.Body as Readable, downloaded.stream, createWriteStream(temp));
      } catch (error) {
        const kind = this.connection.report(error, 'download', key, this.prefix);
        return { found: kind === 'unreachable' || kind === 'rejected' ? 'unreachable' : 'miss' };
      }
      if (signature === undefined) return refuse('is not signed (written without the cache key, or before entries were signed)');
      if (!this.options.signatures.verify(objectName, downloaded.sha256(), signature))
        return refuse('does not match its signature (its content was changed, it was copied from another key, or another key signed it)');
      // Signed, so written by a holder of the key: a failed check here is a broken upload, not an attack.
      const check = await checkEntryFile(temp, key);
      if (!check.ok) return refuse(`is ${check.problem}`);
      await localCache.adopt(key, temp);
      return { found: 'hit', manifest: check.manifest };
    } finally {
      await rm(temp, { force: true });
    }
  }

  /**
   * Signs and uploads the local entry, unless the remote already holds the same one (the same size
   * and signature, so the same bytes) and this run did not refuse it. PutObject replaces an object
   * whole, so concurrent uploads of a key leave one valid entry. A run that only reads uploads nothing.
   */
  async upload(key: string, localCache: LocalCache, signal?: AbortSignal): Promise<UploadResult> {
    const sign = this.options.upload ? this.options.signatures.sign : undefined;
    if (!sign) return 'skipped';
    return this.connection.limitUploads(async () => {
      if (!this.connection.available || signal?.aborted) return 'failed';
      // One handle for the whole upload: a concurrent local save renaming a new file in cannot mix two.
      const handle = await open(localCache.entryFile(key), 'r').catch(() => undefined);
      if (!handle) {
        this.connection.warnOnce('upload-gone', `Remote cache: ${key} left the local cache (evicted) before it could be uploaded.`);
        return 'failed';
      }
      try {
        // Only what checks out is signed: a signature vouches for the entry to every other runner.
        const check = await checkEntry(handle, key);
        if (!check.ok) return 'failed'; // a corrupt local entry: its next restore evicts it
        const { size } = await handle.stat();
        const target = { Bucket: this.connection.bucket, Key: this.objectKey(key) };
        const signature = sign(target.Key, check.fileSha256);
        const existing = await this.connection.client
          .send(new HeadObjectCommand(target), { abortSignal: signal })
          .catch((error: unknown) => ({ error }));
        if ('error' in existing) {
          const kind = classifyRemoteError(existing.error);
          if (kind === 'unreachable' || kind === 'rejected') return this.failUpload(existing.error, key);
          // Otherwise missing, or a HEAD this identity may not make (403): the PUT decides.
        } else if (
          existing.ContentLength === size &&
          existing.Metadata?.[signatureMetadata] === signature &&
          !this.connection.wasRefused(target.Key)
        ) {
          return 'skipped'; // the same bytes, signed for this key (both schemes sign deterministically)
        }
        await this.connection.client.send(
          new PutObjectCommand({
            ...target,
            Body: handle.createReadStream({ start: 0, autoClose: false }),
            ContentLength: size,
            ContentType: 'application/octet-stream',
            Metadata: { [signatureMetadata]: signature },
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
