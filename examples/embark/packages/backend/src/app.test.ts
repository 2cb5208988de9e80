import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Note, NoteInput } from '@embark/shared';
import { handleRequest, type NotesBackend } from './app.js';

/** An in-memory backend: the HTTP logic is tested without PostgreSQL or S3. */
function memoryBackend(options: { ready?: boolean; failing?: boolean } = {}): NotesBackend & { notes: Note[] } {
  const notes: Note[] = [];
  return {
    notes,
    isReady: async () => options.ready ?? true,
    listNotes: async () => {
      if (options.failing) throw new Error('connection refused');
      return notes;
    },
    createNote: async (input: NoteInput) => {
      const note = { id: String(notes.length + 1), title: input.title, createdAt: '2024-05-01T00:00:00.000Z' };
      notes.push(note);
      return note;
    },
  };
}

const get = (url: string) => ({ method: 'GET', url, body: '' });

test('health endpoints answer without touching dependencies', async () => {
  const backend = memoryBackend({ ready: false });
  assert.deepEqual(await handleRequest(get('/healthz'), backend), { status: 200, body: { status: 'ok' } });
  assert.deepEqual(await handleRequest(get('/api/health'), backend), { status: 200, body: { status: 'ok', service: 'backend' } });
});

test('readyz follows the dependencies', async () => {
  assert.deepEqual(await handleRequest(get('/readyz'), memoryBackend()), { status: 200, body: { status: 'ready' } });
  assert.deepEqual(await handleRequest(get('/readyz'), memoryBackend({ ready: false })), { status: 503, body: { status: 'not ready' } });
});

test('a created note is listed', async () => {
  const backend = memoryBackend();
  const created = await handleRequest({ method: 'POST', url: '/api/notes', body: '{"title":"Deploy","body":"today"}' }, backend);
  const note = { id: '1', title: 'Deploy', createdAt: '2024-05-01T00:00:00.000Z' };
  assert.deepEqual(created, { status: 201, body: { note } });
  assert.deepEqual(await handleRequest(get('/api/notes'), backend), { status: 200, body: { notes: [note] } });
});

test('an invalid note is refused with its problems', async () => {
  const reply = await handleRequest({ method: 'POST', url: '/api/notes', body: '{"title":"","body":"x"}' }, memoryBackend());
  assert.deepEqual(reply, { status: 400, body: { errors: ['"title" must be a non-empty string'] } });
});

test('unknown paths and methods get 404 and 405', async () => {
  assert.equal((await handleRequest(get('/nope'), memoryBackend())).status, 404);
  assert.equal((await handleRequest({ method: 'PUT', url: '/api/notes', body: '' }, memoryBackend())).status, 405);
});

test('a failing dependency becomes a 500 without details', async (t) => {
  t.mock.method(console, 'error', () => {});
  assert.deepEqual(await handleRequest(get('/api/notes'), memoryBackend({ failing: true })), { status: 500, body: { error: 'internal error' } });
});
