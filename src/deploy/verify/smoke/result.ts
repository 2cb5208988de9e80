/** The outcome of one smoke check: what was seen, and for a failure, what to look at. */
export interface SmokeResult {
  check: string;
  ok: boolean;
  /** The HTTP status the page or endpoint answered with, when it answered. */
  status?: number;
  durationMs: number;
  /** One line: "GET /api/health returned 503, expected 200". */
  detail: string;
  /** A screenshot of the page when a browser check failed. */
  artifact?: string;
  /** The last lines of the response body or the page's errors, for the log excerpt. */
  excerpt?: string[];
}

/** The first lines of a body worth showing: trimmed, non-empty, bounded. */
export function bodyExcerpt(body: string, lines = 10): string[] {
  return body
    .split('\n')
    .map((line) => line.trimEnd().slice(0, 200))
    .filter((line) => line.trim() !== '')
    .slice(0, lines);
}

/** "no response within 5000 ms" or the network cause ("connect ECONNREFUSED 127.0.0.1:1"). */
export function networkCause(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { message?: string; code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no response within ${timeoutMs} ms`;
  return err.cause?.message ?? err.message ?? String(error);
}
