import type { Note, NoteInput } from '@embark/shared';
import { parseNoteRequest, routeOf } from './routes.js';

/** What the HTTP layer needs from the outside world (PostgreSQL and S3 in production). */
export interface NotesBackend {
  /** Whether every dependency answers, for the readiness probe. */
  isReady(): Promise<boolean>;
  listNotes(): Promise<Note[]>;
  createNote(input: NoteInput): Promise<Note>;
}

export interface ApiRequest {
  method: string;
  url: string;
  body: string;
}

export interface ApiReply {
  status: number;
  body: unknown;
}

/** Answers one request; every outcome, including a failing dependency, becomes a JSON reply. */
export async function handleRequest(request: ApiRequest, backend: NotesBackend): Promise<ApiReply> {
  try {
    return await dispatch(request, backend);
  } catch (error) {
    console.error(`${request.method} ${request.url} failed: ${(error as Error).message}`);
    return { status: 500, body: { error: 'internal error' } };
  }
}

async function dispatch(request: ApiRequest, backend: NotesBackend): Promise<ApiReply> {
  switch (routeOf(request.method, request.url)) {
    case 'healthz':
      return { status: 200, body: { status: 'ok' } };
    case 'readyz':
      return (await backend.isReady()) ? { status: 200, body: { status: 'ready' } } : { status: 503, body: { status: 'not ready' } };
    case 'health':
      return { status: 200, body: { status: 'ok', service: 'backend' } };
    case 'listNotes':
      return { status: 200, body: { notes: await backend.listNotes() } };
    case 'createNote': {
      const parsed = parseNoteRequest(request.body);
      if (!parsed.ok) return { status: 400, body: { errors: parsed.errors } };
      return { status: 201, body: { note: await backend.createNote(parsed.value) } };
    }
    case 'methodNotAllowed':
      return { status: 405, body: { error: 'method not allowed' } };
    case 'notFound':
      return { status: 404, body: { error: 'not found' } };
  }
}
