import { createReadStream } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../feedback/failure.ts';
import { sha256 } from '../util/hash.ts';
import { parseChallenge, tokenUrl } from './auth-challenge.ts';
import { registryRefusal } from './registry-error.ts';

export interface RegistryAuth {
  username: string;
  password: string;
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
  private readonly tokens = new Map<string, string>();
  private useBasic = false;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(opts: { url: string; auth?: RegistryAuth; retries?: number }) {
    this.base = new URL(opts.url);
    this.base.username = '';
    this.base.password = '';
    this.url = this.base.origin;
    this.host = this.base.host;
    this.auth = opts.auth;
    this.retries = opts.retries ?? 4;
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const response = await this.call(repo, 'pull', `the blob lookup in ${repo}`, { method: 'HEAD', url: this.endpoint(`/v2/${repo}/blobs/${digest}`) });
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw this.refusal(`the blob lookup in ${repo}`, 'HEAD', response);
  }

  /** Monolithic upload: POST opens an upload session, one PUT sends the whole blob. */
  async pushBlob(repo: string, digest: string, path: string, size: number): Promise<void> {
    const operation = `the upload of ${repo}`;
    const session = await this.call(repo, 'pull,push', operation, { method: 'POST', url: this.endpoint(`/v2/${repo}/blobs/uploads/`), headers: { 'content-length': '0' } });
    if (session.status !== 202 || !session.headers.location) throw this.refusal(operation, 'POST', session);
    const target = new URL(session.headers.location, this.base);
    target.searchParams.set('digest', digest);
    const upload = await this.call(repo, 'pull,push', operation, {
      method: 'PUT',
      url: target,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => createReadStream(path),
    });
    if (upload.status === 201) return;
    // A PUT retried after the registry had already stored the blob finds its session gone.
    if (await this.hasBlob(repo, digest)) return;
    throw this.refusal(operation, 'PUT', upload);
  }

  /** Stores a manifest under a tag or digest and returns its digest. */
  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const operation = `the manifest ${repo}:${reference}`;
    const response = await this.call(repo, 'pull,push', operation, {
      method: 'PUT',
      url: this.endpoint(`/v2/${repo}/manifests/${reference}`),
      headers: { 'content-type': mediaType, 'content-length': String(body.length) },
      body,
    });
    if (response.status !== 201) throw this.refusal(operation, 'PUT', response);
    const digest = `sha256:${sha256(body)}`;
    const stored = response.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== digest) {
      throw new Failure(`registry stored the manifest ${repo}:${reference} as ${stored}, expected ${digest}`, { hint: 'the registry altered the manifest; push again or use another registry' });
    }
    return digest;
  }

  async getManifest(repo: string, reference: string): Promise<{ body: Buffer; digest: string; mediaType: string }> {
    const operation = `the manifest read of ${repo}:${reference}`;
    const response = await this.call(repo, 'pull', operation, { method: 'GET', url: this.endpoint(`/v2/${repo}/manifests/${reference}`), headers: { accept: MANIFEST_ACCEPT } });
    if (response.status !== 200) throw this.refusal(operation, 'GET', response);
    return { body: response.body, digest: `sha256:${sha256(response.body)}`, mediaType: String(response.headers['content-type'] ?? '').split(';')[0] };
  }

  /** The blob's bytes as a stream, following redirects to blob storage; the caller verifies the digest. */
  async getBlob(repo: string, digest: string): Promise<NodeJS.ReadableStream> {
    const operation = `the download of ${repo}@${digest}`;
    const response = await this.call(repo, 'pull', operation, { method: 'GET', url: this.endpoint(`/v2/${repo}/blobs/${digest}`), stream: true });
    if (response.status !== 200 || !response.stream) throw this.refusal(operation, 'GET', response);
    return response.stream;
  }

  private endpoint(path: string): URL {
    return new URL(path, this.base);
  }

  private refusal(operation: string, method: string, response: Response): Failure {
    const allow = response.status === 405 ? response.headers.allow : undefined;
    return registryRefusal(operation, `${method} ${this.url}`, { status: response.status, statusText: response.statusText, body: response.body.toString('utf8'), allow });
  }

  /** One API call with credentials, answering a 401 challenge once. */
  private async call(repo: string, actions: string, operation: string, exchange: Exchange): Promise<Response> {
    const scope = `repository:${repo}:${actions}`;
    const send = () => this.exchangeWithRetries(operation, { ...exchange, headers: { ...exchange.headers, ...this.authorization(scope, exchange.url) } });
    const response = await send();
    if (response.status !== 401 || !(await this.answerChallenge(response.headers['www-authenticate'], scope))) return response;
    return send();
  }

  private authorization(scope: string, url: URL): Record<string, string> {
    if (url.origin !== this.base.origin) return {}; // never hand credentials to blob storage redirects
    const token = this.tokens.get(scope);
    if (token) return { authorization: `Bearer ${token}` };
    if (this.useBasic && this.auth) return { authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` };
    return {};
  }

  /** Prepares credentials for a 401 challenge; false when there is nothing new to try. */
  private async answerChallenge(header: string | string[] | undefined, scope: string): Promise<boolean> {
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    if (challenge?.scheme === 'basic') {
      if (!this.auth || this.useBasic) return false;
      this.useBasic = true;
      return true;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return false;
    const url = new URL(tokenUrl(challenge, scope));
    const headers: Record<string, string> = this.auth ? { authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` } : {};
    const response = await this.exchangeWithRetries('the token request', { method: 'GET', url, headers });
    if (response.status !== 200) throw registryRefusal(`the token request for ${scope}`, `GET ${url.origin}${url.pathname}`, { status: response.status, statusText: response.statusText, body: response.body.toString('utf8') });
    const { token, access_token: accessToken } = JSON.parse(response.body.toString('utf8')) as { token?: string; access_token?: string };
    if (!token && !accessToken) throw new Failure(`the registry's token service at ${url.origin}${url.pathname} returned no token`, { hint: 'check the registry credentials' });
    this.tokens.set(scope, (token ?? accessToken)!);
    return true;
  }

  /** One HTTP exchange, retried on 429, 5xx and dropped connections. */
  private async exchangeWithRetries(operation: string, exchange: Exchange): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.exchange(exchange);
      } catch (error) {
        if (isTransient(error) && attempt < this.retries) {
          await delay(backoff(attempt, undefined));
          continue;
        }
        throw new Failure(`cannot reach the registry at ${this.url} for ${operation}: ${(error as Error).message}`, {
          details: [`${exchange.method} ${exchange.url.origin}${exchange.url.pathname} failed after ${attempt + 1} attempt(s)`],
          hint: 'check that the registry is running and reachable (registry.url in slipway.config.ts)',
        });
      }
      if ((response.status === 429 || response.status >= 500) && attempt < this.retries) {
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
      const request = (secure ? https : http).request(url, { method, headers, agent: secure ? this.agents.https : this.agents.http }, resolve);
      request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('registry did not answer in time'), { code: 'ETIMEDOUT' })));
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
