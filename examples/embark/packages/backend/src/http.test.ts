import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createHttpServer, maxBodyBytes } from './http.js';

const backend = {
  isReady: async () => true,
  listNotes: async () => [],
  createNote: async (input: { title: string }) => ({ id: 'n1', title: input.title, createdAt: '2024-05-01T00:00:00.000Z' }),
};
const server = createHttpServer(backend);
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('serves handler replies as JSON', async () => {
  const response = await fetch(`${base}/api/notes`, { method: 'POST', body: JSON.stringify({ title: 'Hi', body: 'there' }) });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(await response.json(), { note: { id: 'n1', title: 'Hi', createdAt: '2024-05-01T00:00:00.000Z' } });
});

test('refuses bodies over the limit', async () => {
  const response = await fetch(`${base}/api/notes`, { method: 'POST', body: 'x'.repeat(maxBodyBytes + 1) });
  assert.equal(response.status, 413);
  assert.deepEqual(await response.json(), { error: `the body must be at most ${maxBodyBytes} bytes` });
});
