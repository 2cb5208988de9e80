import { Failure } from '../feedback/failure.ts';
import { judgeStability, type ProbeSample, type StabilityThresholds, type StabilityVerdict } from './judge.ts';

export interface ObserveOptions {
  /** Health endpoints of the deployed services, e.g. { name: 'backend', url: 'http://…/healthcheck' }. */
  probes: { name: string; url: string }[];
  thresholds: StabilityThresholds;
  /** Container restarts since the release was deployed, read when the window ends. */
  restarts: () => Promise<number>;
  /** Error lines the services logged during the window, read when it ends. */
  errorLogLines?: () => Promise<number>;
}

/**
 * Probes every endpoint every `intervalMs` for `windowSeconds` (ticks never overlap: a slow
 * round delays the next), then judges the samples with the restart and error-log counts.
 */
export async function observeStability(opts: ObserveOptions): Promise<StabilityVerdict> {
  const { windowSeconds, intervalMs, maxP95Ms } = opts.thresholds;
  // A request slower than this is a failure however the window ends.
  const requestTimeoutMs = Math.max(1000, maxP95Ms * 2);
  const samples: ProbeSample[] = [];
  const started = performance.now();
  const windowMs = windowSeconds * 1000;
  for (let tick = 0; performance.now() - started < windowMs; tick += 1) {
    const round = await Promise.all(opts.probes.map((probe) => sample(probe.name, probe.url, requestTimeoutMs)));
    samples.push(...round);
    const nextTick = started + (tick + 1) * intervalMs;
    const wait = Math.min(nextTick, started + windowMs) - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const [restarts, errorLogLines] = await Promise.all([opts.restarts(), opts.errorLogLines?.() ?? Promise.resolve(0)]);
  return judgeStability(samples, opts.thresholds, { restarts, errorLogLines });
}

async function sample(probe: string, url: string, timeoutMs: number): Promise<ProbeSample> {
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok
      ? { probe, ok: true, latencyMs: latency(), status: response.status }
      : { probe, ok: false, latencyMs: latency(), status: response.status, error: `${response.status} ${response.statusText}`.trim() };
  } catch (error) {
    const err = error as { name?: string; message?: string; cause?: { message?: string } };
    const cause = err.name === 'TimeoutError' ? `no response within ${timeoutMs} ms` : err.cause?.message ?? err.message ?? String(error);
    return { probe, ok: false, latencyMs: latency(), error: cause };
  }
}

/**
 * The feedback for an unstable release: the breaches as the cause (the stage prefixes "Release
 * not stable"), the evidence and each probe's failures as details.
 */
export function stabilityFailure(verdict: StabilityVerdict): Failure | undefined {
  if (verdict.stable) return undefined;
  const { evidence } = verdict;
  return new Failure(verdict.reasons.join('; '), {
    details: [
      `${evidence.samples} samples, ${evidence.failures} failed, p95 ${evidence.p95Ms} ms, ${evidence.restarts} restarts, ${evidence.errorLogLines} error log lines`,
      ...evidence.probes.map((p) => `${p.probe}: ${p.failures} of ${p.samples} failed${p.lastError ? ` (last: ${p.lastError})` : ''}`),
    ],
    hint: 'Look at the logs and restarts of the services in the environment; this release is not promoted.',
  });
}
