import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SmokeCheck } from '../../../config/schema.ts';
import { networkCause, type SmokeResult } from './result.ts';

/** Flags that keep headless Chromium quiet, offline and working as root in a container. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

type BrowserCheck = SmokeCheck & { browser: NonNullable<SmokeCheck['browser']> };

/**
 * Loads the page in a fresh browser context and waits for the selector to show the text. On
 * failure the page is screenshotted into `artifactsDir`, and its errors become the excerpt.
 */
export async function runBrowserCheck(
  browser: Browser,
  baseUrl: string,
  check: BrowserCheck,
  artifactsDir: string,
  timeoutMs: number,
): Promise<SmokeResult> {
  const started = performance.now();
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const source = message.location().url;
    // The browser asks for /favicon.ico on its own; a missing one is not the app's failure.
    if (message.type() !== 'error' || source.endsWith('/favicon.ico')) return;
    pageErrors.push(`console error: ${message.text()}${source ? ` (${source})` : ''}`);
  });
  const fail = async (detail: string, status?: number): Promise<SmokeResult> => ({
    check: check.name,
    ok: false,
    status,
    durationMs: Math.round(performance.now() - started),
    detail,
    artifact: await screenshot(page, artifactsDir, check.name),
    excerpt: pageErrors.slice(-10),
  });
  try {
    let status: number | undefined;
    try {
      const response = await page.goto(new URL(check.path, baseUrl).href, { timeout: timeoutMs });
      status = response?.status();
      if (status !== check.status) return await fail(`page ${check.path} returned ${status}, expected ${check.status}`, status);
      if (check.contains !== undefined && !(await response!.text()).includes(check.contains)) {
        return await fail(`page ${check.path} returned ${status} but the body does not contain ${JSON.stringify(check.contains)}`, status);
      }
    } catch (error) {
      return await fail(`page ${check.path} did not load: ${firstLine(networkCause(error, timeoutMs))}`);
    }
    const { selector, text } = check.browser;
    const showing = page.locator(selector).filter({ hasText: text }).first();
    const remaining = Math.max(1, timeoutMs - (performance.now() - started));
    if (
      !(await showing.waitFor({ state: 'visible', timeout: remaining }).then(
        () => true,
        () => false,
      ))
    ) {
      return await fail(
        `${JSON.stringify(selector)} did not show ${JSON.stringify(text)} within ${timeoutMs} ms (${await whatItShows(page, selector)})`,
        status,
      );
    }
    return {
      check: check.name,
      ok: true,
      status,
      durationMs: Math.round(performance.now() - started),
      detail: `page ${check.path} showed ${JSON.stringify(text)} in ${JSON.stringify(selector)}`,
    };
  } finally {
    await context.close();
  }
}

/** What the selector shows instead, so the developer sees the gap at a glance. */
async function whatItShows(page: Page, selector: string): Promise<string> {
  const first = page.locator(selector).first();
  if (
    (await page
      .locator(selector)
      .count()
      .catch(() => 0)) === 0
  )
    return `no element matches ${JSON.stringify(selector)}`;
  const shown = ((await first.textContent({ timeout: 1000 }).catch(() => null)) ?? '').trim().replace(/\s+/g, ' ').slice(0, 80);
  return `it shows ${JSON.stringify(shown)}`;
}

async function screenshot(page: Page, artifactsDir: string, checkName: string): Promise<string | undefined> {
  const path = join(
    artifactsDir,
    `smoke-${checkName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')}.png`,
  );
  await mkdir(artifactsDir, { recursive: true });
  return page.screenshot({ path, fullPage: true, timeout: 5000 }).then(
    () => path,
    () => undefined,
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
