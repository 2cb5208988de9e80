import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmokeCheck } from '../../../config/schema.ts';
import { freePort } from '../../../shared/net.ts';
import type { SmokeResult } from './result.ts';
import { runSmokeChecks, smokeFailure } from './run.ts';

const CHROMIUM = '/usr/bin/chromium';

const page = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"></head><body><h1 id="title">Loading…</h1><script>${script}</script></body></html>`;

/** A stand-in for a deployed environment: a healthy API, a broken one, and two pages. */
function startEnvironment(): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (req.url) {
      case '/healthcheck':
        return send(204, '');
      case '/api/greeting':
        return send(200, 'hello from embark');
      case '/api/broken':
        return send(503, 'upstream database unavailable\n    at connect (db.js:12)\n');
      case '/':
        return send(
          200,
          page(`setTimeout(() => { document.getElementById('title').textContent = 'Welcome to Embark'; }, 100);`),
          'text/html',
        );
      case '/stuck':
        return send(200, page(`fetch('/api/broken'); throw new Error('bundle failed to load');`), 'text/html');
      case '/hang':
        return; // never answers
      default:
        return send(404, 'not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A result without its timing, which varies from run to run. */
const withoutDuration = (result: SmokeResult) => {
  const { durationMs: _, ...rest } = result;
  return rest;
};

const check = (c: Partial<SmokeCheck> & { name: string; path: string }): SmokeCheck => ({ status: 200, ...c });

describe('runSmokeChecks against a real server and real Chromium', () => {
  let server: Server;
  let baseUrl: string;
  let artifactsDir: string;
  beforeAll(async () => {
    server = await startEnvironment();
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    artifactsDir = await mkdtemp(join(tmpdir(), 'slipway-smoke-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(artifactsDir, { recursive: true, force: true });
  });

  it('passes HTTP and browser checks against a healthy environment', async () => {
    const results = await runSmokeChecks({
      baseUrl,
      chromiumPath: CHROMIUM,
      artifactsDir,
      checks: [
        check({ name: 'health', path: '/healthcheck', status: 204 }),
        check({ name: 'api greeting', path: '/api/greeting', contains: 'hello' }),
        check({ name: 'home page', path: '/', browser: { selector: '#title', text: 'Welcome to Embark' } }),
      ],
    });
    expect(results.map(withoutDuration)).toEqual([
      { check: 'health', ok: true, status: 204, detail: 'GET /healthcheck returned 204' },
      { check: 'api greeting', ok: true, status: 200, detail: 'GET /api/greeting returned 200 containing "hello"' },
      { check: 'home page', ok: true, status: 200, detail: 'page / showed "Welcome to Embark" in "#title"' },
    ]);
    expect(smokeFailure(results)).toBeUndefined();
    expect(await readdir(artifactsDir)).toEqual([]);
  });

  it('reports each failure precisely, screenshots the page, and names the first failed check', async () => {
    const results = await runSmokeChecks({
      baseUrl,
      chromiumPath: CHROMIUM,
      artifactsDir,
      timeoutMs: 1500,
      checks: [
        check({ name: 'health', path: '/healthcheck', status: 204 }),
        check({ name: 'api status', path: '/api/broken' }),
        check({ name: 'api greeting', path: '/api/greeting', contains: 'welcome' }),
        check({ name: 'home page', path: '/stuck', browser: { selector: '#title', text: 'Welcome to Embark' } }),
        check({ name: 'missing element', path: '/', browser: { selector: '#nav', text: 'Docs' } }),
      ],
    });
    expect(results.map(withoutDuration)).toEqual([
      { check: 'health', ok: true, status: 204, detail: 'GET /healthcheck returned 204' },
      {
        check: 'api status',
        ok: false,
        status: 503,
        detail: 'GET /api/broken returned 503, expected 200',
        excerpt: ['upstream database unavailable', '    at connect (db.js:12)'],
      },
      {
        check: 'api greeting',
        ok: false,
        status: 200,
        detail: 'GET /api/greeting returned 200 but the body does not contain "welcome"',
        excerpt: ['hello from embark'],
      },
      {
        check: 'home page',
        ok: false,
        status: 200,
        detail: '"#title" did not show "Welcome to Embark" within 1500 ms (it shows "Loading…")',
        artifact: join(artifactsDir, 'smoke-home-page.png'),
        excerpt: [
          'page error: bundle failed to load',
          `console error: Failed to load resource: the server responded with a status of 503 (Service Unavailable) (${baseUrl}/api/broken)`,
        ],
      },
      {
        check: 'missing element',
        ok: false,
        status: 200,
        detail: '"#nav" did not show "Docs" within 1500 ms (no element matches "#nav")',
        artifact: join(artifactsDir, 'smoke-missing-element.png'),
        excerpt: [],
      },
    ]);
    const png = await readFile(join(artifactsDir, 'smoke-home-page.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const failure = smokeFailure(results)!;
    expect(failure.specific).toBe('api status: GET /api/broken returned 503, expected 200');
    expect(failure.logExcerpt).toEqual(['upstream database unavailable', '    at connect (db.js:12)']);
    expect(failure.artifacts).toEqual([join(artifactsDir, 'smoke-home-page.png'), join(artifactsDir, 'smoke-missing-element.png')]);
    expect(failure.details[0]).toMatch(/^passed health: GET \/healthcheck returned 204 \(\d+ ms\)$/);
    expect(failure.details[1]).toMatch(/^FAILED api status: GET \/api\/broken returned 503, expected 200 \(\d+ ms\)$/);
  });

  it('reports an environment that does not answer, or answers too slowly', async () => {
    const closedPort = await freePort();
    const results = await runSmokeChecks({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      chromiumPath: CHROMIUM,
      artifactsDir,
      checks: [
        check({ name: 'health', path: '/healthcheck', status: 204 }),
        check({ name: 'home page', path: '/', browser: { selector: '#title', text: 'Welcome' } }),
      ],
    });
    expect(results[0]).toMatchObject({ ok: false, detail: `GET /healthcheck failed: connect ECONNREFUSED 127.0.0.1:${closedPort}` });
    expect(results[0].status).toBeUndefined();
    expect(results[1]).toMatchObject({
      ok: false,
      detail: `page / did not load: page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:${closedPort}/`,
    });

    const slow = await runSmokeChecks({
      baseUrl,
      chromiumPath: CHROMIUM,
      artifactsDir,
      timeoutMs: 300,
      checks: [check({ name: 'hang', path: '/hang' })],
    });
    expect(slow[0]).toMatchObject({ ok: false, detail: 'GET /hang failed: no response within 300 ms' });
    expect(smokeFailure(slow)!.specific).toBe('hang: GET /hang failed: no response within 300 ms');
  });
});
