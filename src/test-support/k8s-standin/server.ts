import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { proxyToService, serviceProxyTarget, type ServiceBackends } from './proxy.ts';
import { coreVersions, findResource, groupList, resourceList, type ResourceType } from './resources.ts';
import type { RolloutSimulator } from './rollout.ts';
import { matchesFields, matchesLabels, parseSelector } from './selectors.ts';
import { ApiError, badRequest, notFound, successStatus } from './status.ts';
import type { ObjectStore, StoredObject } from './store.ts';
import { streamWatch } from './watch.ts';
import { deleteObject, writeObject } from './writes.ts';

/** The API server's request size limit. */
const MAX_BODY = 3 * 1024 * 1024;

/** A request as the test can inspect it afterwards (never the token). */
export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  status: number;
}

export interface ApiServerParts {
  store: ObjectStore;
  simulator: RolloutSimulator;
  token: string;
  requests: RecordedRequest[];
  /** Open watch streams, ended when the stand-in closes. */
  watches: Set<ServerResponse>;
  /** What answers behind the service proxy subresource. */
  backends: ServiceBackends;
}

/** A resolved URL: discovery, or a resource (collection, object or subresource). */
interface Route {
  group: string;
  version: string;
  resource?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function createApiServer(parts: ApiServerParts): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    res.on('finish', () =>
      parts.requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        contentType: req.headers['content-type'],
        status: res.statusCode,
      }),
    );
    handle(parts, req, res, url).catch((error: unknown) => {
      const failure =
        error instanceof ApiError
          ? error
          : new ApiError(
              500,
              'InternalError',
              `an error on the server has prevented the request from succeeding: ${(error as Error).message}`,
            );
      if (!res.headersSent) sendJson(res, failure.code, failure.toStatus());
      else res.end();
    });
  });
}

async function handle(parts: ApiServerParts, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!authorised(req.headers.authorization, parts.token)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (req.method === 'GET' && segments.join('/') === 'version') {
    return sendJson(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-slipway-standin', platform: 'linux/amd64' });
  }
  if (req.method === 'GET' && segments.join('/') === 'api') return sendJson(res, 200, coreVersions());
  if (req.method === 'GET' && segments.join('/') === 'apis') return sendJson(res, 200, groupList());
  const proxied = serviceProxyTarget(url);
  if (proxied) return proxyToService(parts.store, parts.backends, proxied, req, res);
  const route = resolve(segments);
  if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (!route.resource) {
    const list = req.method === 'GET' ? resourceList(route.group, route.version) : undefined;
    if (!list) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return sendJson(res, 200, list);
  }
  const resource = route.resource;
  const query = url.searchParams;

  if (route.name === undefined) {
    if (req.method === 'GET') return listOrWatch(parts, resource, route.namespace, query, req, res);
    if (req.method === 'POST' && resource.applyable) {
      const result = writeObject(parts.store, { resource, namespace: route.namespace }, await readBody(req, req.headers['content-type']), {
        fieldManager: query.get('fieldManager') ?? 'unknown',
        force: false,
        dryRun: dryRun(query),
        createOnly: true,
      });
      return sendJson(res, 201, result.object);
    }
    throw methodNotAllowed(req.method);
  }

  if (route.subresource === 'log' && resource.kind === 'Pod' && req.method === 'GET') return podLog(parts, route, query, res);
  if (route.subresource !== undefined && (route.subresource !== 'status' || req.method !== 'GET')) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  switch (req.method) {
    case 'GET': {
      const object = parts.store.get(resource, route.namespace, route.name);
      if (!object) throw notFound(resource.plural, resource.group, route.name);
      return sendJson(res, 200, object);
    }
    case 'PATCH': {
      if (!resource.applyable) throw methodNotAllowed('PATCH');
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (contentType !== 'application/apply-patch+yaml') {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml (the stand-in serves server-side apply only, not ${contentType || 'an untyped patch'})`,
        );
      }
      const fieldManager = query.get('fieldManager');
      if (!fieldManager)
        throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const body = await readBody(req, contentType);
      const result = writeObject(parts.store, { resource, namespace: route.namespace, name: route.name }, body, {
        fieldManager,
        force: query.get('force') === 'true',
        dryRun: dryRun(query),
        createOnly: false,
      });
      return sendJson(res, result.created ? 201 : 200, result.object);
    }
    case 'DELETE': {
      const removed = deleteObject(parts.store, resource, route.namespace, route.name);
      if (resource.kind === 'Namespace') {
        return sendJson(res, 200, {
          ...removed,
          metadata: { ...removed.metadata, deletionTimestamp: removed.metadata.creationTimestamp },
          status: { phase: 'Terminating' },
        });
      }
      if (resource.kind === 'Pod') return sendJson(res, 200, removed);
      return sendJson(res, 200, successStatus(resource.plural, resource.group, route.name, removed.metadata.uid));
    }
    default:
      throw methodNotAllowed(req.method);
  }
}

/**
 * `/api/v1/...` or `/apis/{group}/{version}/...`, then `[namespaces/{ns}/]{plural}[/{name}[/{sub}]]`.
 * `namespaces/{name}` alone is the Namespace object, not a namespace prefix.
 */
function resolve(segments: string[]): Route | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) [group, version, rest] = ['', segments[1], segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 3) [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  else return undefined;
  if (rest.length === 0) return { group, version };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, version, rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = findResource(group, version, rest[0]);
  if (!resource || rest.length > 3 || (resource.namespaced && namespace === undefined && rest.length > 1)) return undefined;
  if (!resource.namespaced && namespace !== undefined) return undefined;
  return { group, version, resource, namespace, name: rest[1], subresource: rest[2] };
}

function listOrWatch(
  parts: ApiServerParts,
  resource: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const labels = parseSelector(query.get('labelSelector'), 'labelSelector');
  const fields = parseSelector(query.get('fieldSelector'), 'fieldSelector');
  if (query.get('watch') === 'true' || query.get('watch') === '1') {
    const timeout = Number(query.get('timeoutSeconds') ?? 0);
    return streamWatch(
      parts.store,
      {
        resource,
        namespace,
        labels,
        fields,
        resourceVersion: query.get('resourceVersion'),
        timeoutSeconds: timeout > 0 ? timeout : undefined,
      },
      req,
      res,
      parts.watches,
    );
  }
  const items = parts.store
    .list(resource, namespace)
    .filter((object) => matchesLabels(object.metadata.labels, labels) && matchesFields(object, fields))
    .map(({ apiVersion: _apiVersion, kind: _kind, ...item }) => item);
  sendJson(res, 200, {
    apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
    kind: `${resource.kind}List`,
    metadata: { resourceVersion: String(parts.store.revision) },
    items,
  });
}

function podLog(parts: ApiServerParts, route: Route, query: URLSearchParams, res: ServerResponse): void {
  const pod = parts.store.get(route.resource!, route.namespace, route.name!) as StoredObject | undefined;
  if (!pod) throw notFound('pods', '', route.name!);
  const container = query.get('container') ?? (pod.spec as { containers: { name: string }[] }).containers[0]?.name ?? '';
  const logs = parts.simulator.logs(pod.metadata.uid) ?? { lines: [] };
  if (logs.waiting) throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${logs.waiting}`);
  const tail = query.get('tailLines');
  const lines = tail !== null ? logs.lines.slice(-Math.max(0, Number(tail))) : logs.lines;
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(lines.map((line) => `${line}\n`).join(''));
}

function authorised(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function dryRun(query: URLSearchParams): boolean {
  const value = query.get('dryRun');
  if (value !== null && value !== 'All') throw badRequest(`dryRun: Unsupported value: "${value}": supported values: "All"`);
  return value === 'All';
}

function methodNotAllowed(method: string | undefined): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method ?? ''})`);
}

/** The body as JSON or YAML (an apply-patch may be either; JSON is YAML). */
async function readBody(req: IncomingMessage, contentType: string | undefined): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is larger than 3 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return (contentType ?? '').includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: object): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
