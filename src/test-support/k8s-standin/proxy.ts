import type { IncomingMessage, ServerResponse } from 'node:http';
import { isReady } from './pods.ts';
import { resourceForKind, type ResourceType } from './resources.ts';
import { matchesLabels, type Requirement } from './selectors.ts';
import { ApiError, notFound } from './status.ts';
import type { ObjectStore, StoredObject } from './store.ts';

/** What a service's pods answer to one proxied request; `delayMs` is real time, never scaled. */
export interface ServiceResponse {
  status: number;
  body?: string;
  delayMs?: number;
}

/** Stands in for the service's pods: gets the path (with any query) the client asked the proxy for. */
export type ServiceHandler = (path: string) => ServiceResponse;

/** The handlers tests register, by namespace and Service name. */
export class ServiceBackends {
  private readonly handlers = new Map<string, ServiceHandler>();

  serve(namespace: string, name: string, handler: ServiceHandler): void {
    this.handlers.set(`${namespace}/${name}`, handler);
  }

  handlerFor(namespace: string, name: string): ServiceHandler | undefined {
    return this.handlers.get(`${namespace}/${name}`);
  }
}

/** A request to the service proxy subresource. */
export interface ProxyTarget {
  namespace: string;
  service: string;
  /** Port name or number after the colon, when the client named one. */
  port?: string;
  /** The path behind `/proxy`, with the query: "/healthcheck?full=1". */
  path: string;
}

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

/** `/api/v1/namespaces/{ns}/services/[scheme:]{name}[:{port}]/proxy[/{path...}]`, or undefined for any other URL. */
export function serviceProxyTarget(url: URL): ProxyTarget | undefined {
  const match = PROXY_PATH.exec(url.pathname);
  if (!match) return undefined;
  const parts = decodeURIComponent(match[2]).split(':');
  const [service, port] = parts.length === 3 ? [parts[1], parts[2]] : [parts[0], parts[1]];
  return { namespace: decodeURIComponent(match[1]), service, port: port || undefined, path: `${match[3] ?? '/'}${url.search}` };
}

const SERVICES = resourceForKind('v1', 'Service') as ResourceType;
const PODS = resourceForKind('v1', 'Pod') as ResourceType;

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: { name?: string; port: number }[];
}

/**
 * Answers a proxied GET as the API server does: 404 for an unknown Service, 503 when no ready pod
 * backs it or nothing listens in them, otherwise whatever the registered handler answers.
 */
export async function proxyToService(
  store: ObjectStore,
  backends: ServiceBackends,
  target: ProxyTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET')
    throw new ApiError(405, 'MethodNotAllowed', `the stand-in proxies only GET to services, not ${req.method ?? ''}`);
  const service = store.get(SERVICES, target.namespace, target.service);
  if (!service) throw notFound('services', '', target.service);
  const spec = service.spec as ServiceSpec;
  const port = (spec.ports ?? []).find((p) => target.port === undefined || p.name === target.port || String(p.port) === target.port);
  if (!port) throw unavailable(`no service port "${target.port}" found for service "${target.service}"`);
  const selector = spec.selector ? parseLabels(spec.selector) : undefined;
  // A Service without a selector has only the endpoints someone writes by hand, which the stand-in never does.
  const endpoints = selector
    ? store.list(PODS, target.namespace).filter((pod) => matchesLabels(pod.metadata.labels, selector) && isReady(pod))
    : [];
  if (endpoints.length === 0) throw unavailable(`no endpoints available for service "${target.service}"`);
  const handler = backends.handlerFor(target.namespace, target.service);
  if (!handler)
    throw unavailable(`error trying to reach service: dial tcp ${podIP(endpoints[0])}:${port.port}: connect: connection refused`);
  const answer = handler(target.path);
  if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
  res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(answer.body ?? '');
}

function unavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}

function parseLabels(selector: Record<string, string>): Requirement[] {
  return Object.entries(selector).map(([key, value]) => ({ key, op: 'equals', value }));
}

function podIP(pod: StoredObject): string {
  return String((pod.status as { podIP?: string } | undefined)?.podIP ?? '');
}
