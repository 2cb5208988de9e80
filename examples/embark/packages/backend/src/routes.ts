import { validateNote, type NoteInput, type Validation } from '@embark/shared';

export type Route = 'healthz' | 'readyz' | 'health' | 'listNotes' | 'createNote' | 'methodNotAllowed' | 'notFound';

const routes: Record<string, Partial<Record<string, Route>>> = {
  '/healthz': { GET: 'healthz' },
  '/readyz': { GET: 'readyz' },
  '/api/health': { GET: 'health' },
  '/api/notes': { GET: 'listNotes', POST: 'createNote' },
};

/** Which handler a request goes to, from its method and URL (query strings ignored). */
export function routeOf(method: string, url: string): Route {
  const { pathname } = new URL(url, 'http://localhost');
  const byMethod = routes[pathname.replace(/\/+$/, '') || '/'];
  if (!byMethod) return 'notFound';
  return byMethod[method] ?? 'methodNotAllowed';
}

/** Parses and validates the body of POST /api/notes. */
export function parseNoteRequest(body: string): Validation<NoteInput> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, errors: ['the body must be JSON'] };
  }
  return validateNote(parsed);
}
