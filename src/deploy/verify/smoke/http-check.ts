import type { SmokeCheck } from '../../../config/schema.ts';
import { bodyExcerpt, networkCause, type SmokeResult } from './result.ts';

/** GET the check's path and compare the status, and the body when the check names a text. */
export async function runHttpCheck(baseUrl: string, check: SmokeCheck, timeoutMs: number): Promise<SmokeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(check.path, baseUrl);
  // A check that expects a redirect must see it rather than where it leads.
  const redirect = check.status >= 300 && check.status < 400 ? 'manual' : 'follow';
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { redirect, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (error) {
    return { check: check.name, ok: false, durationMs: elapsed(), detail: `GET ${check.path} failed: ${networkCause(error, timeoutMs)}` };
  }
  const base = { check: check.name, status: response.status, durationMs: elapsed() };
  if (response.status !== check.status) {
    return {
      ...base,
      ok: false,
      detail: `GET ${check.path} returned ${response.status}, expected ${check.status}`,
      excerpt: bodyExcerpt(body),
    };
  }
  if (check.contains !== undefined && !body.includes(check.contains)) {
    return {
      ...base,
      ok: false,
      detail: `GET ${check.path} returned ${response.status} but the body does not contain ${JSON.stringify(check.contains)}`,
      excerpt: bodyExcerpt(body),
    };
  }
  return {
    ...base,
    ok: true,
    detail: `GET ${check.path} returned ${response.status}${check.contains !== undefined ? ` containing ${JSON.stringify(check.contains)}` : ''}`,
  };
}
