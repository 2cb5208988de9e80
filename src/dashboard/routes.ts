import { extname } from 'node:path';
import type { ApiError } from './model.ts';
import { openApiDocument } from './openapi.ts';
import { apiBase, parseRunFilter, runPage } from './queries.ts';
import type { DashboardReader } from './reader.ts';

/** What a request is answered with: JSON, a file from the home, or the run's event stream. */
export type Answer =
  { kind: 'json'; status: number; body: unknown } | { kind: 'file'; path: string; contentType: string } | { kind: 'events'; runId: number };

export const defaultLogTail = 200;
export const maxLogTail = 5000;

const json = (body: unknown, status = 200): Answer => ({ kind: 'json', status, body });
const failure = (status: number, error: ApiError['error'], message: string): Answer => json({ error, message } satisfies ApiError, status);
const notFound = (message: string) => failure(404, 'not-found', message);
const badRequest = (message: string) => failure(400, 'bad-request', message);

/** Content types of the files a run keeps: its screenshots, traces, SBOMs and reports. */
const contentTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.zip': 'application/zip',
  '.json': 'application/json',
  '.html': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
};

/** Whether a file's bytes are text the redactor can read (a screenshot or a zip is not). */
export function isTextType(contentType: string): boolean {
  return /^text\/|json|xml/.test(contentType);
}

interface Route {
  pattern: RegExp;
  /** Whether it reads a query string (its own parameters, which it checks); any other refuses one. */
  query?: true;
  answer: (params: string[], query: URLSearchParams) => Promise<Answer>;
}

/**
 * The API's routes, each a pattern over the path after /api/v1 (segments decoded before use). GET
 * only: the API changes nothing; approvals stay in `slipway approve`.
 */
export function apiRoutes(reader: DashboardReader): (path: string, query: URLSearchParams) => Promise<Answer> {
  const routes: Route[] = [
    {
      pattern: /^\/runs$/,
      query: true,
      answer: async (_, query) => {
        const filter = parseRunFilter(query);
        return 'problem' in filter ? badRequest(filter.problem) : json(runPage(await reader.runs(), filter));
      },
    },
    {
      pattern: /^\/runs\/([^/]+)$/,
      answer: ([id]) =>
        withRun(id, async (runId) => {
          const detail = await reader.run(runId);
          return detail ? json(detail) : notFound(`no run #${runId}`);
        }),
    },
    {
      pattern: /^\/runs\/([^/]+)\/events$/,
      answer: ([id]) =>
        withRun(id, async (runId) => ((await reader.run(runId)) ? { kind: 'events', runId } : notFound(`no run #${runId}`))),
    },
    {
      pattern: /^\/runs\/([^/]+)\/logs\/([^/]+)$/,
      query: true,
      answer: ([id, stage], query) =>
        withRun(id, async (runId) => {
          const tail = logTailOf(query);
          if (typeof tail === 'string') return badRequest(tail);
          const log = await reader.log(runId, stage, tail);
          return log ? json({ runId, stage, ...log }) : notFound(`run #${runId} has no stage ${stage}`);
        }),
    },
    {
      pattern: /^\/runs\/([^/]+)\/artifacts\/([^/]+)$/,
      answer: ([id, index]) =>
        withRun(id, async (runId) => {
          const path = /^\d{1,6}$/.test(index) ? await reader.artifactPath(runId, Number(index)) : undefined;
          return path ? file(path) : notFound(`run #${runId} has no artifact ${index}`);
        }),
    },
    {
      pattern: /^\/runs\/([^/]+)\/why\/([^/]+)$/,
      answer: ([id, name]) =>
        withRun(id, async (runId) => {
          const answer = await reader.why(runId, name);
          if (!answer) return notFound(`no run #${runId}`);
          if ('why' in answer) return json({ runId, ...answer });
          return failure(answer.refused === 'conflict' ? 409 : 404, answer.refused, answer.message);
        }),
    },
    { pattern: /^\/releases$/, answer: async () => json({ releases: await reader.releases() }) },
    {
      pattern: /^\/releases\/([^/]+)$/,
      answer: async ([tag]) => {
        const release = await reader.release(tag);
        return release ? json(release) : notFound(`no release ${tag} was created by a run of this home`);
      },
    },
    {
      pattern: /^\/releases\/([^/]+)\/sbom\/([^/]+)$/,
      answer: async ([tag, service]) => {
        const path = (await reader.release(tag)) && reader.sbomPath(tag, service);
        return path
          ? { kind: 'file', path, contentType: 'application/vnd.cyclonedx+json' }
          : notFound(`release ${tag} has no SBOM for ${service}`);
      },
    },
    { pattern: /^\/environments$/, answer: async () => json({ repositories: await reader.environments() }) },
    { pattern: /^\/openapi\.json$/, answer: async () => json(openApiDocument) },
  ];

  return async (path, query) => {
    const route = path.startsWith(`${apiBase}/`) ? routes.find(({ pattern }) => pattern.test(path.slice(apiBase.length))) : undefined;
    if (!route) return notFound(`${path} is not an endpoint of this API; see ${apiBase}/openapi.json`);
    if (!route.query && query.size > 0) return badRequest(`${path} takes no query parameters`);
    let params: string[];
    try {
      params = route.pattern
        .exec(path.slice(apiBase.length))!
        .slice(1)
        .map((segment) => decodeURIComponent(segment));
    } catch {
      return badRequest(`${path} is not valid percent-encoding`);
    }
    return route.answer(params, query);
  };
}

async function withRun(id: string, answer: (runId: number) => Promise<Answer>): Promise<Answer> {
  return /^[1-9]\d{0,15}$/.test(id) ? answer(Number(id)) : badRequest(`"${id}" is not a run number`);
}

function logTailOf(query: URLSearchParams): number | string {
  const extra = [...query.keys()].find((name) => name !== 'tail');
  if (extra) return `query parameter ${extra} is not one this endpoint knows (tail)`;
  const given = query.getAll('tail');
  if (given.length === 0) return defaultLogTail;
  const tail = /^[1-9]\d{0,5}$/.test(given[0]) ? Number(given[0]) : NaN;
  if (given.length > 1 || !(tail <= maxLogTail))
    return `query parameter tail is "${given.join(',')}", not a number of lines from 1 to ${maxLogTail}`;
  return tail;
}

function file(path: string): Answer {
  return { kind: 'file', path, contentType: contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream' };
}
