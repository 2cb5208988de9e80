import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Note } from '@embark/shared';
import type { NoteRow } from './database.js';
import { notesBackend } from './notes.js';

function stores(reachable = { rows: true, documents: true }) {
  const rows: NoteRow[] = [];
  const documents = new Map<string, unknown>();
  const backend = notesBackend(
    {
      isReachable: async () => reachable.rows,
      insertNote: async (row) => void rows.push(row),
      listNotes: async (): Promise<Note[]> => rows.map((row) => ({ id: row.id, title: row.title, createdAt: row.createdAt.toISOString() })),
    },
    { isReachable: async () => reachable.documents, put: async (key, document) => void documents.set(key, document) },
  );
  return { backend, rows, documents };
}

test('createNote stores the document and a row pointing at it', async () => {
  const { backend, rows, documents } = stores();
  const note = await backend.createNote({ title: 'Plan', body: 'ship' });
  assert.deepEqual(rows, [{ id: note.id, title: 'Plan', documentKey: `notes/${note.id}.json`, createdAt: new Date(note.createdAt) }]);
  assert.deepEqual(documents.get(`notes/${note.id}.json`), { ...note, body: 'ship' });
  assert.deepEqual(await backend.listNotes(), [note]);
});

test('isReady needs both the database and the bucket', async () => {
  assert.equal(await stores().backend.isReady(), true);
  assert.equal(await stores({ rows: false, documents: true }).backend.isReady(), false);
  assert.equal(await stores({ rows: true, documents: false }).backend.isReady(), false);
});
