import { createReadStream } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../../shared/feedback/failure.ts';
import { sha256 } from '../../shared/hash.ts';
import { parseChallenge, tokenUrl } from './auth-challenge.ts';
import type { BlobPushOutcome } from './registry-api.ts';
import { registryRefusal } from './registry-error.ts';
import { storedLength } from './upload-range.ts';

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** The registry's base URL, e.g. "http://127.0.0.1:5000" or "https://ghcr.io". */
  url: string;
  auth?: RegistryAuth;
  /** Further attempts after a 429, 5xx or dropped connection (default 4). */
  retries?: number;
  /** Blobs larger than this go up in PATCH chunks of this many bytes, smaller ones in one PUT (default 8 MiB). */
  chunkSize?: number;
}

/** Media types we accept when reading manifests: OCI and Docker, single images and indexes. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 3000;
const IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_CHUNK_SIZE = 8 << 20;
/** A chunk answered with these is resumed from the registry's offset (416: it wanted another offset). */
const isResumableChunkStatus = (status: number) => status === 416 || status === 429 || status >= 500;
/** What a source repository we may not read, or that does not exist, answers. */
const NOT_READABLE = new Set([401, 403, 404]);

type RequestBody = Buffer | (() => NodeJS.ReadableStream);

interface Exchange {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Hand the body back as a stream on success instead of buffering it. */
  stream?: boolean;
}

interface Response {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  stream?: IncomingMessage;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
  });
}

function isTransient(error: unknown): boolean {
  return TRANSIENT_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

function scope(repo: string, actions: string): string {
  return `repository:${repo}:${actions}`;
}

function backoff(attempt: number, retryAfter: string | undefined): number {
  const seconds = Number(retryAfter);
  if (retryAfter && Number.isFinite(seconds)) return Math.min(seconds * 1000, RETRY_MAX_MS);
  return Math.min(RETRY_BASE_MS * 2 ** attempt, RETRY_MAX_MS);
}

/**
 * A client for the OCI distribution API. Every call retries 429, 5xx and dropped connections
 * with a short bounded backoff, and answers a 401 challenge once: Basic with the given
 * credentials, or Bearer by fetching a token from the challenge's realm.
 */
export class RegistryClient {
  /** The registry's base URL without credentials, e.g. "http://127.0.0.1:5000". */
  readonly url: string;
  /** The registry part of image references, e.g. "127.0.0.1:5000" or "ghcr.io". */
  readonly host: string;
  private readonly base: URL;
  private readonly auth?: RegistryAuth;
  private readonly retries: number;
  private readonly chunkSize: number;
  private readonly tokens = new Map<string, string>();
  private useBasic = false;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(opts: RegistryClientOptions) {
    this.base = new URL(opts.url);
    this.base.username = '';
    this.base.password = '';
    this.url = this.base.origin;
    this.host = this.base.host;
    this.auth = opts.auth;
    this.retries = opts.retries ?? 4;
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const response = await this.blobLookup(repo, digest);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw this.refusal(`the blob lookup in ${repo}`, 'HEAD', response);
  }

  /** The first of `repos` that holds the blob; one we may not read counts as not holding it. */
  async findBlob(repos: string[], digest: string): Promise<string | undefined> {
    for (const repo of repos) {
      const response = await this.blobLookup(repo, digest);
      if (response.status === 200) return repo;
      if (!NOT_READABLE.has(response.status)) throw this.refusal(`the blob lookup in ${repo}`, 'HEAD', response);
    }
    return undefined;
  }

  /**
   * Stores a blob in `repo`. With `mountFrom`, the registry is asked to link it from that
   * repository (no bytes sent); when it opens an upload instead, or may not read the source, the
   * blob is uploaded: in one PUT, or in PATCH chunks when it is larger than the chunk size.
   */
  async pushBlob(repo: string, digest: string, path: string, size: number, opts: { mountFrom?: string } = {}): Promise<BlobPushOutcome> {
    const mount = opts.mountFrom ? await this.startMount(repo, digest, opts.mountFrom) : undefined;
    if (mount === 'mounted') return 'mounted';
    const session = mount ?? (await this.startUpload(repo));
    if (size > this.chunkSize) await this.completeUpload(repo, digest, await this.sendChunks(repo, path, size, session));
    else await this.completeUpload(repo, digest, session, { path, size });
    return 'uploaded';
  }

  /** Stores a manifest under a tag or digest and returns its digest. */
  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const operation = `the manifest ${repo}:${reference}`;
    const response = await this.call([scope(repo, 'pull,push')], operation, {
      method: 'PUT',
      url: this.endpoint(`/v2/${repo}/manifests/${reference}`),
      headers: { 'content-type': mediaType, 'content-length': String(body.length) },
      body,
    });
    if (response.status !== 201) throw this.refusal(operation, 'PUT', response);
    const digest = `sha256:${sha256(body)}`;
    const stored = response.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== digest) {
      throw new Failure(`registry stored the manifest ${repo}:${reference} as ${stored}, expected ${digest}`, {
        hint: 'the registry altered the manifest; push again or use another registry',
      });
    }
    return digest;
  }

  async getManifest(repo: string, reference: string): Promise<{ body: Buffer; digest: string; mediaType: string }> {
    const operation = `the manifest read of ${repo}:${reference}`;
    const response = await this.call([scope(repo, 'pull')], operation, {
      method: 'GET',
      url: this.endpoint(`/v2/${repo}/manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (response.status !== 200) throw this.refusal(operation, 'GET', response);
    return {
      body: response.body,
      digest: `sha256:${sha256(response.body)}`,
      mediaType: String(response.headers['content-type'] ?? '').split(';')[0],
    };
  }

  /** The blob's bytes as a stream, following redirects to blob storage; the caller verifies the digest. */
  async getBlob(repo: string, digest: string): Promise<NodeJS.ReadableStream> {
    const operation = `the download of ${repo}@${digest}`;
    const response = await this.call([scope(repo, 'pull')], operation, {
      method: 'GET',
      url: this.endpoint(`/v2/${repo}/blobs/${digest}`),
      stream: true,
    });
    if (response.status !== 200 || !response.stream) throw this.refusal(operation, 'GET', response);
    return response.stream;
  }

  private blobLookup(repo: string, digest: string): Promise<Response> {
    return this.call([scope(repo, 'pull')], `the blob lookup in ${repo}`, {
      method: 'HEAD',
      url: this.endpoint(`/v2/${repo}/blobs/${digest}`),
    });
  }

  /** POST opens an upload session; its Location is where the bytes go. */
  private async startUpload(repo: string): Promise<URL> {
    const response = await this.call([scope(repo, 'pull,push')], `the upload of ${repo}`, {
      method: 'POST',
      url: this.endpoint(`/v2/${repo}/blobs/uploads/`),
      headers: { 'content-length': '0' },
    });
    if (response.status !== 202 || !response.headers.location) throw this.refusal(`the upload of ${repo}`, 'POST', response);
    return new URL(response.headers.location, this.base);
  }

  /**
   * POST ?mount=&from=: 'mounted' (201), the upload session the registry opened instead (202), or
   * nothing when it may not read the source (the caller opens a plain upload).
   */
  private async startMount(repo: string, digest: string, from: string): Promise<'mounted' | URL | undefined> {
    const url = this.endpoint(`/v2/${repo}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', from);
    const response = await this.call([scope(repo, 'pull,push'), scope(from, 'pull')], `the upload of ${repo}`, {
      method: 'POST',
      url,
      headers: { 'content-length': '0' },
    });
    if (response.status === 201) return 'mounted';
    if (response.status === 202 && response.headers.location) return new URL(response.headers.location, this.base);
    if (NOT_READABLE.has(response.status)) return undefined;
    throw this.refusal(`the upload of ${repo}`, 'POST', response);
  }

  /**
   * Sends the blob in PATCH chunks, following the Location after each. A chunk that fails (dropped
   * connection, 416, 429, 5xx) is resumed from the offset the registry reports, so the chunks it
   * already holds are not sent again. Returns the location to complete the upload at.
   */
  private async sendChunks(repo: string, path: string, size: number, session: URL): Promise<URL> {
    const operation = `the upload of ${repo}`;
    let location = session;
    let offset = 0;
    for (let failures = 0; offset < size;) {
      const start = offset;
      const end = Math.min(start + this.chunkSize, size) - 1;
      const chunk: Exchange = {
        method: 'PATCH',
        url: location,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${start}-${end}`,
          'content-length': String(end - start + 1),
        },
        body: () => createReadStream(path, { start, end }),
      };
      // One attempt only: a blind resend could append to bytes the registry already stored.
      const sent = await this.call([scope(repo, 'pull,push')], operation, chunk, 0).catch((error: unknown) => {
        if (error instanceof Failure) return error;
        throw error;
      });
      if (!(sent instanceof Failure) && sent.status === 202 && sent.headers.location) {
        location = new URL(sent.headers.location, this.base);
        offset = end + 1;
        failures = 0;
        continue;
      }
      if (!(sent instanceof Failure) && !isResumableChunkStatus(sent.status)) throw this.refusal(operation, 'PATCH', sent);
      if (failures === this.retries) {
        if (!(sent instanceof Failure)) throw this.refusal(operation, 'PATCH', sent);
        throw new Failure(sent.specific, {
          details: [
            `PATCH ${location.origin}${location.pathname} failed after ${failures + 1} attempt(s), with ${start} of ${size} bytes stored`,
          ],
          hint: sent.hint,
        });
      }
      await delay(backoff(failures++, sent instanceof Failure ? undefined : (sent.headers['retry-after'] as string | undefined)));
      ({ location, offset } = await this.uploadStatus(repo, location));
    }
    return location;
  }

  /**
   * Where an interrupted upload stands: GET on its location answers 204 with the stored range.
   * A session the registry no longer knows (404; the Debian registry also cancels one whose stored
   * size no longer matches its location after a torn chunk) is started again from zero.
   */
  private async uploadStatus(repo: string, location: URL): Promise<{ location: URL; offset: number }> {
    const operation = `the upload of ${repo}`;
    const response = await this.call([scope(repo, 'pull,push')], operation, { method: 'GET', url: location });
    if (response.status === 204)
      return {
        location: response.headers.location ? new URL(response.headers.location, this.base) : location,
        offset: storedLength(response.headers.range),
      };
    if (response.status === 404) return { location: await this.startUpload(repo), offset: 0 };
    throw this.refusal(operation, 'GET', response);
  }

  /** The closing PUT ?digest=, carrying the whole blob for a monolithic upload or nothing after chunks. */
  private async completeUpload(repo: string, digest: string, location: URL, whole?: { path: string; size: number }): Promise<void> {
    const operation = `the upload of ${repo}`;
    const target = new URL(location);
    target.searchParams.set('digest', digest);
    const upload = await this.call([scope(repo, 'pull,push')], operation, {
      method: 'PUT',
      url: target,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(whole?.size ?? 0) },
      body: whole ? () => createReadStream(whole.path) : Buffer.alloc(0),
    });
    if (upload.status === 201) return;
    // A PUT retried after the registry had already stored the blob finds its session gone.
    if (await this.hasBlob(repo, digest)) return;
    throw this.refusal(operation, 'PUT', upload);
  }

  private endpoint(path: string): URL {
    return new URL(path, this.base);
  }

  private refusal(operation: string, method: string, response: Response): Failure {
    const allow = response.status === 405 ? response.headers.allow : undefined;
    return registryRefusal(operation, `${method} ${this.url}`, {
      status: response.status,
      statusText: response.statusText,
      body: response.body.toString('utf8'),
      allow,
    });
  }

  /** One API call with credentials for the `access` scopes, answering a 401 challenge once. */
  private async call(access: string[], operation: string, exchange: Exchange, retries = this.retries): Promise<Response> {
    const send = () =>
      this.exchangeWithRetries(
        operation,
        { ...exchange, headers: { ...exchange.headers, ...this.authorization(access, exchange.url) } },
        retries,
      );
    const response = await send();
    if (response.status !== 401 || !(await this.answerChallenge(response.headers['www-authenticate'], access))) return response;
    return send();
  }

  private authorization(access: string[], url: URL): Record<string, string> {
    if (url.origin !== this.base.origin) return {}; // never hand credentials to blob storage redirects
    const token = this.tokens.get(access.join(' '));
    if (token) return { authorization: `Bearer ${token}` };
    if (this.useBasic && this.auth)
      return { authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` };
    return {};
  }

  /** Prepares credentials for a 401 challenge; false when there is nothing new to try. */
  private async answerChallenge(header: string | string[] | undefined, access: string[]): Promise<boolean> {
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    if (challenge?.scheme === 'basic') {
      if (!this.auth || this.useBasic) return false;
      this.useBasic = true;
      return true;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return false;
    const url = new URL(tokenUrl(challenge, access));
    const headers: Record<string, string> = this.auth
      ? { authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` }
      : {};
    const response = await this.exchangeWithRetries('the token request', { method: 'GET', url, headers });
    if (response.status !== 200)
      throw registryRefusal(`the token request for ${url.searchParams.getAll('scope').join(' ')}`, `GET ${url.origin}${url.pathname}`, {
        status: response.status,
        statusText: response.statusText,
        body: response.body.toString('utf8'),
      });
    const { token, access_token: accessToken } = JSON.parse(response.body.toString('utf8')) as { token?: string; access_token?: string };
    if (!token && !accessToken)
      throw new Failure(`the registry's token service at ${url.origin}${url.pathname} returned no token`, {
        hint: 'check the registry credentials',
      });
    this.tokens.set(access.join(' '), (token ?? accessToken)!);
    return true;
  }

  /** One HTTP exchange, retried on 429, 5xx and dropped connections. */
  private async exchangeWithRetries(operation: string, exchange: Exchange, retries = this.retries): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.exchange(exchange);
      } catch (error) {
        if (isTransient(error) && attempt < retries) {
          await delay(backoff(attempt, undefined));
          continue;
        }
        throw new Failure(`cannot reach the registry at ${this.url} for ${operation}: ${(error as Error).message}`, {
          details: [`${exchange.method} ${exchange.url.origin}${exchange.url.pathname} failed after ${attempt + 1} attempt(s)`],
          hint: 'check that the registry is running and reachable (registry.url in slipway.config.ts)',
        });
      }
      if ((response.status === 429 || response.status >= 500) && attempt < retries) {
        response.stream?.resume();
        await delay(backoff(attempt, response.headers['retry-after'] as string | undefined));
        continue;
      }
      return response;
    }
  }

  /** A single request, following GET/HEAD redirects. */
  private async exchange(exchange: Exchange): Promise<Response> {
    let url = exchange.url;
    let headers = exchange.headers ?? {};
    for (let hops = 0; ; hops++) {
      const message = await this.send(exchange.method, url, headers, exchange.body);
      const status = message.statusCode ?? 0;
      if (REDIRECTS.has(status) && message.headers.location && hops < 5 && (exchange.method === 'GET' || exchange.method === 'HEAD')) {
        message.resume();
        const next = new URL(message.headers.location, url);
        if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'authorization'));
        url = next;
        continue;
      }
      const result = { status, statusText: message.statusMessage ?? '', headers: message.headers };
      if (exchange.stream && status === 200) return { ...result, body: Buffer.alloc(0), stream: message };
      return { ...result, body: await readAll(message) };
    }
  }

  private send(method: string, url: URL, headers: Record<string, string>, body: RequestBody | undefined): Promise<IncomingMessage> {
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        { method, headers, agent: secure ? this.agents.https : this.agents.http },
        resolve,
      );
      request.setTimeout(IDLE_TIMEOUT_MS, () =>
        request.destroy(Object.assign(new Error('registry did not answer in time'), { code: 'ETIMEDOUT' })),
      );
      request.on('error', reject);
      if (body === undefined) request.end();
      else if (Buffer.isBuffer(body)) request.end(body);
      else {
        const source = body();
        source.on('error', (error) => request.destroy(error));
        source.pipe(request);
      }
    });
  }
}
