import type { Browser } from 'playwright-core';
import type { SmokeCheck } from '../../../config/schema.ts';
import { Failure } from '../../../shared/feedback/failure.ts';
import { launchChromium, runBrowserCheck } from './browser-check.ts';
import { runHttpCheck } from './http-check.ts';
import type { SmokeResult } from './result.ts';

export interface SmokeOptions {
  /** Where the environment answers, e.g. "http://127.0.0.1:8080" or "https://dev.example.com". */
  baseUrl: string;
  checks: SmokeCheck[];
  chromiumPath: string;
  /** Where failed browser checks leave their screenshots. */
  artifactsDir: string;
  /** Per check (default 10 s). */
  timeoutMs?: number;
}

/**
 * Runs every check in order, all of them even after a failure, so the report shows the whole
 * picture. Chromium starts only if some check needs a browser, and always stops.
 */
export async function runSmokeChecks(opts: SmokeOptions): Promise<SmokeResult[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let browser: Browser | undefined;
  const results: SmokeResult[] = [];
  try {
    for (const check of opts.checks) {
      if (check.browser) {
        browser ??= await launchChromium(opts.chromiumPath);
        results.push(await runBrowserCheck(browser, opts.baseUrl, { ...check, browser: check.browser }, opts.artifactsDir, timeoutMs));
      } else {
        results.push(await runHttpCheck(opts.baseUrl, check, timeoutMs));
      }
    }
  } finally {
    await browser?.close();
  }
  return results;
}

/**
 * The feedback for a smoke run: undefined when every check passed, else a Failure naming the
 * first failed check ("home page: page / returned 503, expected 200"); the stage prefixes
 * "Smoke test failed".
 */
export function smokeFailure(results: SmokeResult[]): Failure | undefined {
  const failed = results.filter((result) => !result.ok);
  const [first] = failed;
  if (!first) return undefined;
  return new Failure(`${first.check}: ${first.detail}`, {
    details: results.map((r) => `${r.ok ? 'passed' : 'FAILED'} ${r.check}: ${r.detail} (${r.durationMs} ms)`),
    logExcerpt: first.excerpt ?? [],
    artifacts: failed.flatMap((r) => (r.artifact ? [r.artifact] : [])),
    hint: first.artifact
      ? `Open ${first.artifact} to see the page as the check saw it.`
      : 'Check the service logs of the deployed environment for this request.',
  });
}

export interface SmokeResults {
  checks: { check: string; ok: boolean; durationMs: number }[];
}

/** Every check against a deployed environment's front door, each logged; the first failure thrown as a Failure. */
export async function smokeTestEnvironment(opts: SmokeOptions & { log: (line: string) => void }): Promise<SmokeResults> {
  const results = await runSmokeChecks(opts);
  for (const result of results) opts.log(`${result.ok ? 'ok  ' : 'FAIL'} ${result.check}: ${result.detail} (${result.durationMs} ms)`);
  const failure = smokeFailure(results);
  if (failure) throw failure;
  return { checks: results.map(({ check, ok, durationMs }) => ({ check, ok, durationMs })) };
}
