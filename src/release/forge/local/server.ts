import { createHash, createVerify, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/fs.ts';
import { readStateFile } from '../../../shared/json-files.ts';
import { readBoundedBytes } from '../webhooks/body.ts';
import { defaultRetryPolicy, DeliveryFailure, displayUrl, sendDelivery, type RetryPolicy } from '../webhooks/sender.ts';
import { actor, releaseObject, repositoryObject, assetObject, type Site } from './objects.ts';
import { feedbackRoutes } from './feedback-routes.ts';
import { withStateLock } from './state-lock.ts';
import { docs, invalid, notFound, page, type Answer, type Route } from './routing.ts';
import type { ForgeState, StoredEvent, StoredRelease } from './state.ts';

/** Where the embedded forge delivers its webhooks, and the secret it signs them with. */
export interface Webhook {
  url: string;
  secret: string;
}

/** One webhook's delivery of one event, as recorded (the URL without any password). */
export interface DeliveryRecord {
  event: string;
  action?: string;
  url: string;
  deliveryId: string;
  delivered: boolean;
  attempts: number;
  lastError?: string;
}

export interface LocalGitHubOptions {
  /** Where the repository's releases, assets and feedback are kept. */
  dir: string;
  /** "owner/name": the one repository this forge serves. */
  repository: string;
  /** Where `release` and `repository_dispatch` events are delivered. */
  hooks: Webhook[];
  retry?: Partial<RetryPolicy>;
  /** A GitHub App installed on the repository: its JWTs (RS256, signed with its key) get installation tokens. */
  app?: { id: number; installationId: number; publicKey: string };
}

export interface LocalGitHub {
  /** The REST API's root, for Octokit's baseUrl. */
  url: string;
  /** The token it accepts, made afresh for each start. */
  token: string;
  repository: string;
  /** Waits for the webhook deliveries under way. */
  idle(): Promise<void>;
  /** The deliveries that failed, to the hooks of this start. */
  failedDeliveries(): DeliveryRecord[];
  /** Every delivery recorded for this repository. */
  deliveries(): Promise<DeliveryRecord[]>;
  close(): Promise<void>;
}

const maxRequestBytes = 64 * 1024 * 1024;

/**
 * The embedded default forge: a loopback server speaking the part of GitHub's REST API Slipway
 * uses (releases and their assets, dispatches, checks, statuses, deployments, pull-request
 * comments), with GitHub's shapes, authentication and pagination, and delivering `release` and
 * `repository_dispatch` webhooks signed as GitHub signs them. Slipway talks to it through the same
 * Octokit adapter as to github.com. State is one JSON file replaced atomically, assets are files.
 */
export async function startLocalGitHub(options: LocalGitHubOptions): Promise<LocalGitHub> {
  const [owner, name] = options.repository.split('/');
  const statePath = join(options.dir, 'github.json');
  const lockPath = join(options.dir, 'github.json.lock');
  const assetsDir = join(options.dir, 'assets');
  await mkdir(assetsDir, { recursive: true });
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  const storageKey = randomBytes(18).toString('hex');
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const pending = new Set<Promise<void>>();
  const failed = new Map<string, DeliveryRecord>();
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<ForgeState> =>
    (await readStateFile<ForgeState>(
      statePath,
      "the embedded forge's store",
      'It is only ever replaced whole, so something else wrote it: restore it, or remove it to start with no releases.',
    )) ?? {
      nextId: 1,
      createdAt: new Date().toISOString(),
      releases: [],
      events: [],
      checkRuns: [],
      statuses: [],
      deployments: [],
      comments: [],
    };
  const save = (state: ForgeState) => writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`);
  // A store that cannot be read is said at start, naming the file, not as a 500 to every request.
  await load();

  const routes: Route[] = [
    ['GET', '/repos/{owner}/{repo}', ({ site }) => ({ status: 200, body: repositoryObject(site) })],
    [
      'GET',
      '/repos/{owner}/{repo}/releases',
      ({ state, site, query }) =>
        page(
          state.releases
            .slice()
            .reverse()
            .map((r) => releaseObject(site, r)),
          query,
          site,
          '/releases',
        ),
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/releases',
      ({ json, state, site, changed, emit, nextId }) => {
        const body = json();
        const tag = body.tag_name;
        if (typeof tag !== 'string' || tag === '') return invalid('Release', 'tag_name', 'missing_field');
        if (state.releases.some((release) => release.tag === tag)) return invalid('Release', 'tag_name', 'already_exists');
        const now = new Date().toISOString();
        const draft = body.draft === true;
        const release: StoredRelease = {
          id: nextId(),
          tag,
          name: typeof body.name === 'string' ? body.name : tag,
          body: typeof body.body === 'string' ? body.body : '',
          commit: typeof body.target_commitish === 'string' ? body.target_commitish : 'main',
          draft,
          prerelease: body.prerelease === true,
          createdAt: now,
          updatedAt: now,
          publishedAt: draft ? null : now,
          assets: [],
        };
        state.releases.push(release);
        changed();
        emit('release', { action: 'created', release: releaseObject(site, release) });
        if (!draft) emit('release', { action: 'published', release: releaseObject(site, release) });
        return {
          status: 201,
          body: releaseObject(site, release),
          headers: { location: `${site.api}/repos/${owner}/${name}/releases/${release.id}` },
        };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/releases/tags/{tag}',
      ({ state, site, params }) => {
        const release = state.releases.find((candidate) => candidate.tag === params.tag && !candidate.draft);
        return release ? { status: 200, body: releaseObject(site, release) } : notFound();
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/releases/assets/{asset_id}',
      ({ state, site, params, headers }) => {
        const found = findAsset(state, Number(params.asset_id));
        if (!found) return notFound();
        // As GitHub does: the bytes come from storage, by a redirect to a URL that needs no token.
        if (String(headers.accept ?? '').includes('application/octet-stream')) {
          return { status: 302, headers: { location: `${site.api}/_storage/assets/${found.asset.id}?key=${storageKey}` } };
        }
        return { status: 200, body: assetObject(site, found.release, found.asset) };
      },
    ],
    [
      'DELETE',
      '/repos/{owner}/{repo}/releases/assets/{asset_id}',
      ({ state, params, changed }) => {
        const found = findAsset(state, Number(params.asset_id));
        if (!found) return notFound();
        found.release.assets = found.release.assets.filter((asset) => asset.id !== found.asset.id);
        changed();
        return { status: 204 };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/releases/{release_id}',
      ({ state, site, params }) => {
        const release = state.releases.find((candidate) => candidate.id === Number(params.release_id));
        return release ? { status: 200, body: releaseObject(site, release) } : notFound();
      },
    ],
    [
      'PATCH',
      '/repos/{owner}/{repo}/releases/{release_id}',
      ({ state, site, params, json, changed, emit }) => {
        const release = state.releases.find((candidate) => candidate.id === Number(params.release_id));
        if (!release) return notFound();
        const body = json();
        const publishing = release.draft && body.draft === false;
        if (typeof body.name === 'string') release.name = body.name;
        if (typeof body.body === 'string') release.body = body.body;
        if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease;
        release.updatedAt = new Date().toISOString();
        if (publishing) {
          release.draft = false;
          release.publishedAt = release.updatedAt;
          emit('release', { action: 'published', release: releaseObject(site, release) });
        }
        changed();
        return { status: 200, body: releaseObject(site, release) };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/releases/{release_id}/assets',
      ({ state, site, params, query }) => {
        const release = state.releases.find((candidate) => candidate.id === Number(params.release_id));
        return release
          ? page(
              release.assets.map((asset) => assetObject(site, release, asset)),
              query,
              site,
              `/releases/${release.id}/assets`,
            )
          : notFound();
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/releases/{release_id}/assets',
      async ({ state, site, params, query, raw, headers, changed, nextId }) => {
        const release = state.releases.find((candidate) => candidate.id === Number(params.release_id));
        if (!release) return notFound();
        const assetName = query.get('name');
        if (!assetName) return { status: 400, body: { message: 'name is required', documentation_url: docs } };
        if (release.assets.some((asset) => asset.name === assetName)) return invalid('ReleaseAsset', 'name', 'already_exists');
        const id = nextId();
        await writeFileAtomic(join(assetsDir, String(id)), raw);
        const asset = {
          id,
          name: assetName,
          contentType: String(headers['content-type'] ?? 'application/octet-stream'),
          size: raw.length,
          digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
          createdAt: new Date().toISOString(),
        };
        release.assets.push(asset);
        changed();
        return { status: 201, body: assetObject(site, release, asset) };
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/dispatches',
      ({ json, emit }) => {
        const body = json();
        if (typeof body.event_type !== 'string' || body.event_type === '') return invalid('Repository', 'event_type', 'missing_field');
        emit('repository_dispatch', { action: body.event_type, branch: 'main', client_payload: body.client_payload ?? {} });
        return { status: 204 };
      },
    ],
    ...feedbackRoutes,
  ];
  const compiled = routes.map(([method, template, handle]) => ({ method, pattern: templatePattern(template), handle }));

  const deliver = (stored: StoredEvent) => {
    for (const hook of options.hooks) {
      const key = displayUrl(hook.url);
      const record = (stored.deliveries[key] ??= { deliveryId: randomUUID(), delivered: false, attempts: 0 });
      if (record.delivered) continue;
      const work = sendDelivery(
        {
          url: hook.url,
          secret: hook.secret,
          event: stored.event,
          deliveryId: record.deliveryId,
          body: stored.body,
          headers: {
            'x-github-hook-id': '1',
            'x-github-hook-installation-target-type': 'repository',
            'x-github-hook-installation-target-id': '1',
          },
        },
        retry,
      )
        .then(
          (outcome) => {
            Object.assign(record, { delivered: true, attempts: record.attempts + outcome.attempts, lastError: undefined });
            failed.delete(record.deliveryId);
          },
          (error: unknown) => {
            // Whatever stopped it (a refusal, no answer, or a fault of the sender itself), the delivery is recorded as failed.
            const attempts = error instanceof DeliveryFailure ? error.attempts : 1;
            const lastError =
              error instanceof DeliveryFailure ? error.specific : `the delivery could not be sent: ${(error as Error).message}`;
            Object.assign(record, { attempts: record.attempts + attempts, lastError });
            failed.set(record.deliveryId, { event: stored.event, action: stored.action, url: key, ...record });
          },
        )
        .then(() =>
          serially(async () => {
            // Record the outcome in the stored copy of the event (the state may have been saved since).
            const latest = await load();
            const event = latest.events.find((candidate) => candidate.id === stored.id);
            if (event) {
              event.deliveries[key] = { ...record };
              await save(latest);
            }
          }),
        );
      pending.add(work);
      void work.finally(() => pending.delete(work));
    }
  };

  // One change at a time in this process, and under the state's lock across processes (a run and
  // a `slipway serve` carrying its release on may serve the same repository's forge at once).
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(() => withStateLock(lockPath, operation));
    queue = result.catch(() => undefined);
    return result;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://forge');
    const site: Site = { api: `http://${request.headers.host}`, owner, name, createdAt: '' };
    const stored = /^\/_storage\/assets\/(\d+)$/.exec(url.pathname);
    if (stored && request.method === 'GET' && url.searchParams.get('key') === storageKey) {
      const bytes = await readFile(join(assetsDir, stored[1])).catch(() => undefined);
      return send(response, bytes ? { status: 200, raw: bytes, headers: { 'content-type': 'application/octet-stream' } } : notFound());
    }
    const authorization = String(request.headers.authorization ?? '');
    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (installation && request.method === 'POST')
      return send(response, installationToken(options.app, Number(installation[1]), authorization, token));
    if (authorization !== `token ${token}` && authorization !== `bearer ${token}` && authorization !== `Bearer ${token}`) {
      return send(response, { status: 401, body: { message: 'Bad credentials', documentation_url: docs, status: '401' } });
    }
    const match = compiled
      .filter((route) => route.method === request.method)
      .map((route) => ({ route, found: route.pattern.exec(url.pathname) }))
      .find(({ found }) => found);
    if (!match?.found) return send(response, notFound());
    const params = match.found.groups ?? {};
    if (decodeURIComponent(params.owner ?? owner) !== owner || decodeURIComponent(params.repo ?? name) !== name)
      return send(response, notFound());
    const raw = await readBoundedBytes(request, maxRequestBytes);
    if (raw === undefined) return send(response, { status: 413, body: { message: 'Request body too large', documentation_url: docs } });
    const emitted: StoredEvent[] = [];
    const answer = await serially(async () => {
      const state = await load();
      site.createdAt = state.createdAt;
      let dirty = false;
      const result = await match.route.handle({
        params: Object.fromEntries(Object.entries(params).map(([key, value]) => [key, decodeURIComponent(value)])),
        query: url.searchParams,
        json: () => parseJson(raw),
        raw,
        headers: request.headers,
        state,
        site,
        changed: () => (dirty = true),
        emit: (event, payload) => {
          const stored: StoredEvent = {
            id: state.nextId++,
            event,
            action: typeof payload.action === 'string' ? payload.action : undefined,
            // As GitHub sends events to an App: repository_dispatch reaches Apps only, and names the installation.
            body: JSON.stringify({
              ...payload,
              repository: repositoryObject(site),
              sender: actor(site),
              installation: { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
            }),
            deliveries: {},
          };
          state.events.push(stored);
          emitted.push(stored);
          dirty = true;
        },
        nextId: () => state.nextId++,
      });
      if (dirty) await save(state);
      // Delivered once saved: a failed delivery never loses the release it tells of.
      for (const stored of emitted) deliver(stored);
      return result;
    }).catch((error: unknown) =>
      error instanceof BadRequest ? { status: 400, body: { message: error.message, documentation_url: docs } } : Promise.reject(error),
    );
    send(response, answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, { status: 500, body: { message: `embedded forge: ${(error as Error).message}` } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    repository: options.repository,
    idle: async () => {
      while (pending.size > 0) await Promise.all(pending);
      await queue;
    },
    failedDeliveries: () => [...failed.values()],
    deliveries: async () =>
      (await load()).events.flatMap((event) =>
        Object.entries(event.deliveries).map(([hookUrl, record]) => ({
          event: event.event,
          action: event.action,
          url: hookUrl,
          ...record,
        })),
      ),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      while (pending.size > 0) await Promise.all(pending);
      await queue;
    },
  };
}

class BadRequest extends Error {}

function parseJson(raw: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below, as GitHub answers a body it cannot parse
  }
  throw new BadRequest('Problems parsing JSON');
}

function findAsset(state: ForgeState, id: number) {
  for (const release of state.releases) {
    const asset = release.assets.find((candidate) => candidate.id === id);
    if (asset) return { release, asset };
  }
  return undefined;
}

function templatePattern(template: string): RegExp {
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_all, key: string) => `(?<${key}>[^/]+)`);
  return new RegExp(`^${source}$`);
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent) return;
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': randomUUID(),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    ...answer.headers,
  };
  if (answer.raw) return void response.writeHead(answer.status, headers).end(answer.raw);
  if (answer.body === undefined) return void response.writeHead(answer.status, headers).end();
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(answer.body));
}

/**
 * GitHub's installation token exchange: a JWT the App signed (RS256, issued by its id, not
 * expired) buys a token for its installation, which here is the server's own token.
 */
function installationToken(app: LocalGitHubOptions['app'], installationId: number, authorization: string, token: string): Answer {
  const refused = (message: string): Answer => ({ status: 401, body: { message, documentation_url: docs, status: '401' } });
  if (!app || installationId !== app.installationId) return notFound();
  const [header, payload, signature] = authorization.replace(/^bearer /i, '').split('.');
  if (!header || !payload || !signature) return refused('A JSON web token could not be decoded');
  const signed = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(app.publicKey, Buffer.from(signature, 'base64url'));
  if (!signed) return refused("'Issuer' claim ('iss') must be an Integer");
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
  if (String(claims.iss) !== String(app.id)) return refused("'Issuer' claim ('iss') must be the App's id");
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
    return refused("'Expiration time' claim ('exp') is too far in the past");
  const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: 201,
    body: { token, expires_at: expiresAt, permissions: { contents: 'write', checks: 'write' }, repository_selection: 'selected' },
  };
}
