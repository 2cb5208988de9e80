import type { IncomingMessage } from 'node:http';
import type { Site } from './objects.ts';
import type { ForgeState } from './state.ts';

/** Where GitHub's error answers point. */
export const docs = 'https://docs.github.com/rest';

export interface Answer {
  status: number;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** What a route sees: the request parsed, the state loaded, the site for building URLs. */
export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  json: () => Record<string, unknown>;
  raw: Buffer;
  headers: IncomingMessage['headers'];
  state: ForgeState;
  site: Site;
  /** Saves the state once the route is done. */
  changed: () => void;
  /** Records an event and delivers it to every hook once the answer is sent. */
  emit: (event: string, payload: Record<string, unknown>) => void;
  nextId: () => number;
}

export type Route = [method: string, template: string, handle: (request: RouteRequest) => Promise<Answer> | Answer];

export function notFound(): Answer {
  return { status: 404, body: { message: 'Not Found', documentation_url: docs, status: '404' } };
}

/** GitHub's 422: which resource and field, and why. */
export function invalid(
  resource: string,
  field: string,
  code: 'missing_field' | 'already_exists' | 'invalid' | 'custom',
  message?: string,
): Answer {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code, field, ...(message ? { message } : {}) }],
      documentation_url: docs,
      status: '422',
    },
  };
}

/** GitHub's pagination: per_page (at most 100, default 30), page, and a Link header. */
export function page(items: unknown[], query: URLSearchParams, site: Site, path: string): Answer {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page')) || 30));
  const current = Math.max(1, Number(query.get('page')) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) =>
    `<${site.api}/repos/${site.owner}/${site.name}${path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
  const links = [
    ...(current < last ? [link(current + 1, 'next'), link(last, 'last')] : []),
    ...(current > 1 ? [link(1, 'first'), link(current - 1, 'prev')] : []),
  ];
  return {
    status: 200,
    body: items.slice((current - 1) * perPage, current * perPage),
    headers: links.length ? { link: links.join(', ') } : {},
  };
}
