import http from 'node:http';

export type Readiness = { ready: true; afterMs: number } | { ready: false; reason: string };

/** "20 s", "2.5 s": how long a developer reads a wait. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) || seconds >= 10 ? Math.round(seconds) : seconds.toFixed(1)} s`;
}

/** One GET: the status code, or how the request failed. */
function probe(port: number, path: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        error:
          error.code === 'ECONNREFUSED'
            ? 'connection refused'
            : error.code === 'ETIMEDOUT'
              ? `no answer within ${formatSeconds(timeoutMs)}`
              : error.message,
      }),
    );
  });
}

/**
 * Polls the readiness path until it answers 2xx. Stops early, with the reason, when `exited`
 * reports that the process ended: waiting out the timeout for a crashed service helps nobody.
 */
export async function waitUntilReady(opts: {
  port: number;
  path: string;
  timeoutMs: number;
  exited: () => Promise<string | undefined>;
}): Promise<Readiness> {
  const started = Date.now();
  let last = 'no answer';
  for (;;) {
    const exit = await opts.exited();
    if (exit) return { ready: false, reason: exit };
    const remaining = started + opts.timeoutMs - Date.now();
    const result = await probe(opts.port, opts.path, Math.max(100, Math.min(2000, remaining)));
    if (result.status !== undefined && result.status >= 200 && result.status < 300) return { ready: true, afterMs: Date.now() - started };
    last = result.status !== undefined ? `${opts.path} answered ${result.status}` : `${opts.path} did not answer (${result.error})`;
    if (Date.now() - started >= opts.timeoutMs) {
      const finalExit = await opts.exited();
      return { ready: false, reason: finalExit ?? `never became ready: ${last} for ${formatSeconds(opts.timeoutMs)}` };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
