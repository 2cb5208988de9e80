import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../shared/net.ts';
import { observeStability } from './observe.ts';

let server: Server | undefined;

/** A local service whose health endpoint answers as `status` decides, counting requests. */
async function serve(status: (request: number) => number): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  server = createServer((_req, res) => {
    count += 1;
    res.writeHead(status(count));
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthcheck`, requests: () => count };
}

afterEach(async () => {
  if (!server) return;
  const running = server;
  server = undefined;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

const thresholds = { windowSeconds: 1, intervalMs: 50, maxErrorRate: 0, maxP95Ms: 500, maxRestarts: 0 };

describe('observeStability over a real window', () => {
  it('finds a service that fails every other request unstable', async () => {
    const backend = await serve((n) => (n % 2 === 0 ? 503 : 204));
    const started = Date.now();
    const verdict = await observeStability({
      probes: [{ name: 'backend', url: backend.url }],
      thresholds,
      restarts: async () => 0,
      errorLogLines: async () => 4,
    });
    const elapsed = Date.now() - started;

    // The whole window is watched (a slower machine only makes it longer).
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    const { samples, failures, errorRate } = verdict.evidence;
    expect(samples).toBe(backend.requests());
    expect(samples).toBeGreaterThanOrEqual(10);
    expect(failures).toBe(Math.floor(samples / 2));
    expect(verdict.stable).toBe(false);
    expect(verdict.reasons).toEqual([`error rate ${Math.round(errorRate * 1000) / 10} % > 0 %`]);
    expect(verdict.evidence.errorLogLines).toBe(4);
    expect(verdict.evidence.probes).toEqual([{ probe: 'backend', samples, failures, lastError: '503 Service Unavailable' }]);
  });

  it('finds a healthy service stable, and a restarting one not', async () => {
    const backend = await serve(() => 200);
    const short = { ...thresholds, windowSeconds: 0.3 };
    const healthy = await observeStability({ probes: [{ name: 'backend', url: backend.url }], thresholds: short, restarts: async () => 0 });
    expect(healthy).toMatchObject({ stable: true, reasons: [], evidence: { failures: 0, restarts: 0, errorLogLines: 0 } });
    const restarting = await observeStability({
      probes: [{ name: 'backend', url: backend.url }],
      thresholds: short,
      restarts: async () => 3,
    });
    expect(restarting).toMatchObject({ stable: false, reasons: ['3 restarts > 0'] });
  });

  it('counts an endpoint that does not answer as failing', async () => {
    const port = await freePort();
    const verdict = await observeStability({
      probes: [{ name: 'gone', url: `http://127.0.0.1:${port}/healthcheck` }],
      thresholds: { ...thresholds, windowSeconds: 0.2 },
      restarts: async () => 0,
    });
    expect(verdict.reasons).toEqual(['error rate 100 % > 0 %']);
    expect(verdict.evidence.probes[0].lastError).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
