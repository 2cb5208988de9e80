import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assetPath, contentTypeOf, createStaticServer } from './static.js';

const root = mkdtempSync(join(tmpdir(), 'embark-static-'));
writeFileSync(join(root, 'index.html'), '<h1>page</h1>');
writeFileSync(join(root, 'app.js'), 'export {};');
const server = createStaticServer(root);
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

test('assetPath maps URLs into the root and refuses to leave it', () => {
  assert.equal(assetPath('/srv', '/'), '/srv/index.html');
  assert.equal(assetPath('/srv', '/app.js?v=2'), '/srv/app.js');
  assert.equal(assetPath('/srv', '/a/%2E%2E%2F%2E%2E%2Fetc/passwd'), '/srv/etc/passwd');
  assert.equal(assetPath('/srv', '/%E0%A4%A'), undefined);
});

test('contentTypeOf knows the page assets', () => {
  assert.equal(contentTypeOf('/srv/index.html'), 'text/html; charset=utf-8');
  assert.equal(contentTypeOf('/srv/app.js'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeOf('/srv/data.bin'), 'application/octet-stream');
});

test('serves the page, its scripts and the health check', async () => {
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(await page.text(), '<h1>page</h1>');
  assert.equal(await (await fetch(`${base}/app.js`)).text(), 'export {};');
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
});

test('answers 404 for missing files and 405 for other methods', async () => {
  assert.equal((await fetch(`${base}/missing.js`)).status, 404);
  assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${base}/`, { method: 'HEAD' })).status, 200);
});
