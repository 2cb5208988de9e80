import { STATUS_CODES } from 'node:http';
import { Failure } from '../../../shared/feedback/failure.ts';
import { judgeStability, type PodRestarts, type ProbeSample, type StabilityThresholds, type StabilityVerdict } from './judge.ts';
import { counted } from '../../../shared/plural.ts';

/**
 * A health endpoint: a URL fetched directly, or a request made some other way (through the
 * Kubernetes API server's service proxy) that reports the HTTP status it got, and optionally why.
 */
export type StabilityProbe =
  { name: string; url: string } | { name: string; get: (signal: AbortSignal) => Promise<number | ProbeResponse> };

export interface ProbeResponse {
  status: number;
  /** Said after the status when it fails; default the status text: "503 Service Unavailable". */
  reason?: string;
}

/** Restarts in the window and the pods they happened in. */
export interface RestartCount {
  total: number;
  byPod: PodRestarts[];
}

/** Error lines logged in the window, with a few of them as examples. */
export interface ErrorLogCount {
  total: number;
  examples: string[];
}

export interface ObserveOptions {
  /** Health endpoints of the deployed services, e.g. { name: 'backend', url: 'http://…/healthcheck' }. */
  probes: StabilityProbe[];
  thresholds: StabilityThresholds;
  /** Container restarts since the release was deployed, read when the window ends. */
  restarts: () => Promise<number | RestartCount>;
  /** Error lines the services logged during the window, read when it ends. */
  errorLogLines?: () => Promise<number | ErrorLogCount>;
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
    const round = await Promise.all(opts.probes.map((probe) => sample(probe, requestTimeoutMs)));
    samples.push(...round);
    const nextTick = started + (tick + 1) * intervalMs;
    const wait = Math.min(nextTick, started + windowMs) - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const [restarts, errorLog] = await Promise.all([opts.restarts(), opts.errorLogLines?.() ?? Promise.resolve(0)]);
  return judgeStability(samples, opts.thresholds, {
    restarts: typeof restarts === 'number' ? restarts : restarts.total,
    errorLogLines: typeof errorLog === 'number' ? errorLog : errorLog.total,
    ...(typeof restarts === 'number' ? {} : { restartsByPod: restarts.byPod }),
    ...(typeof errorLog === 'number' ? {} : { errorLogExamples: errorLog.examples }),
  });
}

async function sample(probe: StabilityProbe, timeoutMs: number): Promise<ProbeSample> {
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const answer = 'url' in probe ? await fetchStatus(probe.url, signal) : await probe.get(signal);
    const { status, reason } = typeof answer === 'number' ? { status: answer, reason: undefined } : answer;
    return status >= 200 && status < 300
      ? { probe: probe.name, ok: true, latencyMs: latency(), status }
      : { probe: probe.name, ok: false, latencyMs: latency(), status, error: `${status} ${reason ?? STATUS_CODES[status] ?? ''}`.trim() };
  } catch (error) {
    const err = error as { name?: string; message?: string; cause?: { message?: string } };
    const cause =
      err.name === 'TimeoutError' || signal.aborted
        ? `no response within ${timeoutMs} ms`
        : (err.cause?.message ?? err.message ?? String(error));
    return { probe: probe.name, ok: false, latencyMs: latency(), error: cause };
  }
}

async function fetchStatus(url: string, signal: AbortSignal): Promise<ProbeResponse> {
  const response = await fetch(url, { signal });
  await response.arrayBuffer();
  return { status: response.status, reason: response.statusText || undefined };
}

/**
 * The feedback for an unstable release: the breaches as the cause (the stage prefixes "Release
 * not stable"), the evidence, each probe's failures and the restarting pods as details, the
 * error lines as the log excerpt.
 */
export function stabilityFailure(verdict: StabilityVerdict): Failure | undefined {
  if (verdict.stable) return undefined;
  const { evidence } = verdict;
  return new Failure(verdict.reasons.join('; '), {
    details: [
      `${evidence.samples} samples, ${evidence.failures} failed, p95 ${evidence.p95Ms} ms, ${evidence.restarts} restarts, ${evidence.errorLogLines} error log lines`,
      ...evidence.probes.map((p) => `${p.probe}: ${p.failures} of ${p.samples} failed${p.lastError ? ` (last: ${p.lastError})` : ''}`),
      ...(evidence.restartsByPod ?? []).map((p) => `${counted(p.restarts, 'restart')} in ${p.pod}`),
      ...(evidence.errorLogExamples
        ? [`${counted(evidence.errorLogLines, 'error log line')}, e.g. '${evidence.errorLogExamples[0]}'`]
        : []),
    ],
    logExcerpt: evidence.errorLogExamples,
    hint: 'Look at the logs and restarts of the services in the environment; this release is not promoted.',
  });
}

/** Observes a deployed release for the window and returns a stable verdict, or throws the Failure with its evidence. */
export async function verifyStability(opts: ObserveOptions): Promise<StabilityVerdict> {
  const verdict = await observeStability(opts);
  const failure = stabilityFailure(verdict);
  if (failure) throw failure;
  return verdict;
}

/** Says in one line how stable the release is. */
export function describeVerdict(verdict: StabilityVerdict, windowSeconds: number): string {
  const e = verdict.evidence;
  return `stable over ${windowSeconds} s: ${e.samples} samples, error rate ${(e.errorRate * 100).toFixed(1)} %, p95 ${e.p95Ms.toFixed(0)} ms, ${e.restarts} restarts`;
}
