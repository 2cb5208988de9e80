// Loads the built page in Chromium, with the backend's /api/* answered by fakes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const artifactsDir = 'reports/browser';

let browser: Browser;
let server: ChildProcess;
let base = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function waitUntilServing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(url).then((response) => response.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`the frontend server did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  const port = await freePort();
  server = spawn(process.execPath, ['dist/server.js'], { env: { ...process.env, PORT: String(port) }, stdio: 'inherit' });
  base = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${base}/healthz`, 10_000);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Answers the page's API calls like the backend would, with the given health status and notes. */
function fakeApi(health: number, notes: unknown[]) {
  return async (route: Route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/api/health') await route.fulfill({ status: health, json: { status: health === 200 ? 'ok' : 'down' } });
    else if (pathname === '/api/notes') await route.fulfill({ status: 200, json: { notes } });
    else await route.fulfill({ status: 404, json: { error: 'not found' } });
  };
}

/**
 * Opens the page in a fresh, traced context; on failure keeps a screenshot and a Playwright trace
 * (every action, DOM snapshot and network call) named after the test.
 */
async function withPage(t: TestContext, api: (route: Route) => Promise<void>, check: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  await context.tracing.start({ screenshots: true, snapshots: true });
  const page = await context.newPage();
  try {
    await page.route('**/api/**', api);
    await page.goto(base);
    await check(page);
    await context.tracing.stop();
  } catch (error) {
    const name = `${artifactsDir}/${t.name.replace(/[^a-zA-Z0-9]+/g, '-')}`;
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: `${name}.png` });
    await context.tracing.stop({ path: `${name}.trace.zip` });
    throw error;
  } finally {
    await context.close();
  }
}

/** Waits until the element's whole text is `text`. */
const textOf = (page: Page, selector: string, text: string) =>
  page.locator(selector, { hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: 5000 });

test('status shows ok once the API is healthy', (t) =>
  withPage(t, fakeApi(200, []), async (page) => {
    await textOf(page, '#status', 'ok');
  }));

test('notes from the API are listed', (t) =>
  withPage(
    t,
    fakeApi(200, [
      { id: 'n1', title: 'Release  plan', createdAt: '2024-05-01T09:00:00.000Z' },
      { id: 'n2', title: '<i>Retro</i>', createdAt: '2024-05-02T09:00:00.000Z' },
    ]),
    async (page) => {
      await page.locator('#notes li[data-id="n2"]').waitFor({ timeout: 5000 });
      assert.deepEqual(await page.locator('#notes li').allTextContents(), ['Release plan 2024-05-01', '<i>Retro</i> 2024-05-02']);
    },
  ));

test('status shows unavailable when the API is down', (t) =>
  withPage(t, fakeApi(503, []), async (page) => {
    await textOf(page, '#status', 'unavailable');
  }));
