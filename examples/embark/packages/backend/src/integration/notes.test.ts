// Runs against the real PostgreSQL and S3 named by DATABASE_URL, S3_ENDPOINT, S3_BUCKET and the AWS_* variables.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { readConfig } from '../config.js';
import { Database } from '../database.js';
import { createHttpServer } from '../http.js';
import { notesBackend } from '../notes.js';
import { DocumentStore } from '../storage.js';

const config = readConfig(process.env);
const database = new Database(config.databaseUrl);
const documents = new DocumentStore(config.s3);
const direct = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
const server = createHttpServer(notesBackend(database, documents));
let base = '';

before(async () => {
  await database.migrate();
  await documents.ensureBucket();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([database.close(), direct.end()]);
  documents.close();
});

test('the migration is idempotent and creates the notes table', async () => {
  assert.deepEqual(await database.migrate(), ['001_notes.sql']);
  assert.deepEqual(await database.migrate(), ['001_notes.sql']);
  const columns = await direct.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position",
  );
  assert.deepEqual(columns.rows.map((row) => row.column_name), ['id', 'title', 'document_key', 'created_at']);
});

test('a note posted to the API lands in PostgreSQL and S3 and is listed', async () => {
  const response = await fetch(`${base}/api/notes`, { method: 'POST', body: JSON.stringify({ title: '  Release  plan ', body: 'Ship 1.5 on Friday.' }) });
  assert.equal(response.status, 201);
  const { note } = (await response.json()) as { note: { id: string; title: string; createdAt: string } };
  assert.equal(note.title, 'Release plan');

  const rows = await direct.query<{ title: string; document_key: string }>('SELECT title, document_key FROM notes WHERE id = $1', [note.id]);
  assert.deepEqual(rows.rows, [{ title: 'Release plan', document_key: `notes/${note.id}.json` }]);
  assert.deepEqual(await documents.get(`notes/${note.id}.json`), { ...note, body: 'Ship 1.5 on Friday.' });

  const listed = await fetch(`${base}/api/notes`);
  assert.equal(listed.status, 200);
  const { notes } = (await listed.json()) as { notes: Array<{ id: string }> };
  assert.ok(notes.some((listedNote) => listedNote.id === note.id), 'the new note is in the list');
});

test('an invalid note is refused and nothing is stored', async () => {
  const before = await direct.query<{ count: string }>('SELECT count(*) FROM notes');
  const response = await fetch(`${base}/api/notes`, { method: 'POST', body: JSON.stringify({ title: '', body: 'x' }) });
  assert.equal(response.status, 400);
  const after = await direct.query<{ count: string }>('SELECT count(*) FROM notes');
  assert.equal(after.rows[0].count, before.rows[0].count);
});
