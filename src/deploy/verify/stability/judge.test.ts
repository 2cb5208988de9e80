import { describe, expect, it } from 'vitest';
import { judgeStability, percentile, type ProbeSample, type StabilityThresholds } from './judge.ts';
import { stabilityFailure } from './observe.ts';

const thresholds: StabilityThresholds = { windowSeconds: 5, intervalMs: 250, maxErrorRate: 0, maxP95Ms: 500, maxRestarts: 0 };
const quiet = { restarts: 0, errorLogLines: 0 };

const ok = (latencyMs: number, probe = 'backend'): ProbeSample => ({ probe, ok: true, latencyMs, status: 200 });
const failed = (latencyMs: number, probe = 'backend', status = 503): ProbeSample => ({
  probe,
  ok: false,
  latencyMs,
  status,
  error: `${status} Service Unavailable`,
});

describe('judgeStability', () => {
  it('finds a healthy window stable, with its evidence', () => {
    const verdict = judgeStability([ok(10), ok(20, 'frontend'), ok(30), ok(40, 'frontend')], thresholds, quiet);
    expect(verdict).toEqual({
      stable: true,
      reasons: [],
      evidence: {
        samples: 4,
        failures: 0,
        errorRate: 0,
        p95Ms: 40,
        restarts: 0,
        errorLogLines: 0,
        probes: [
          { probe: 'backend', samples: 2, failures: 0 },
          { probe: 'frontend', samples: 2, failures: 0 },
        ],
      },
    });
  });

  it('gives one reason per breached threshold', () => {
    const samples = [...Array.from({ length: 7 }, () => ok(20)), failed(900)];
    const verdict = judgeStability(samples, { ...thresholds, maxP95Ms: 100, maxErrorLogLines: 0 }, { restarts: 2, errorLogLines: 1 });
    expect(verdict.stable).toBe(false);
    expect(verdict.reasons).toEqual(['error rate 12.5 % > 0 %', 'p95 latency 900 ms > 100 ms', '2 restarts > 0', '1 error log line > 0']);
    expect(verdict.evidence).toMatchObject({ samples: 8, failures: 1, errorRate: 0.125, p95Ms: 900, restarts: 2, errorLogLines: 1 });
    expect(verdict.evidence.probes).toEqual([{ probe: 'backend', samples: 8, failures: 1, lastError: '503 Service Unavailable' }]);
  });

  it('tolerates what the thresholds allow', () => {
    const samples = [ok(10), ok(10), ok(10), failed(10)];
    expect(
      judgeStability(samples, { ...thresholds, maxErrorRate: 0.25, maxRestarts: 1 }, { restarts: 1, errorLogLines: 7 }).reasons,
    ).toEqual([]);
    expect(judgeStability(samples, { ...thresholds, maxErrorRate: 0.2 }, quiet).reasons).toEqual(['error rate 25 % > 20 %']);
  });

  it('reports error log lines without judging them when no threshold is set', () => {
    const verdict = judgeStability([ok(5)], thresholds, { restarts: 0, errorLogLines: 3 });
    expect(verdict).toMatchObject({ stable: true, evidence: { errorLogLines: 3 } });
  });

  it('leaves unanswered requests out of the latency but counts them as errors', () => {
    const refused: ProbeSample = { probe: 'backend', ok: false, latencyMs: 1000, error: 'no response within 1000 ms' };
    const verdict = judgeStability([ok(12), refused], thresholds, quiet);
    expect(verdict.evidence).toMatchObject({ p95Ms: 12, failures: 1, errorRate: 0.5 });
    expect(verdict.reasons).toEqual(['error rate 50 % > 0 %']);
  });

  it('keeps which pods restarted and what the error lines said, only when there is something to show', () => {
    const verdict = judgeStability([ok(5)], thresholds, {
      restarts: 5,
      errorLogLines: 2,
      restartsByPod: [
        { pod: 'embark-backend-1', restarts: 1 },
        { pod: 'embark-frontend-1', restarts: 0 },
        { pod: 'embark-backend-2', restarts: 4 },
      ],
      errorLogExamples: ['embark-backend-2: Error: connect ECONNREFUSED 127.0.0.1:5432'],
    });
    expect(verdict.evidence).toMatchObject({
      restartsByPod: [
        { pod: 'embark-backend-2', restarts: 4 },
        { pod: 'embark-backend-1', restarts: 1 },
      ],
      errorLogExamples: ['embark-backend-2: Error: connect ECONNREFUSED 127.0.0.1:5432'],
    });
    const quietPods = judgeStability([ok(5)], thresholds, { ...quiet, restartsByPod: [{ pod: 'a', restarts: 0 }], errorLogExamples: [] });
    expect(quietPods.evidence).not.toHaveProperty('restartsByPod');
    expect(quietPods.evidence).not.toHaveProperty('errorLogExamples');
  });

  it('is never stable without samples', () => {
    expect(judgeStability([], thresholds, quiet)).toMatchObject({ stable: false, reasons: ['no samples were taken'] });
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([3, 1, 2], 95)).toBe(3);
    expect(percentile([], 95)).toBe(0);
  });
});

describe('stabilityFailure', () => {
  it('states the breaches and the evidence per probe', () => {
    const verdict = judgeStability([ok(10, 'frontend'), ok(10), failed(10)], thresholds, { restarts: 1, errorLogLines: 0 });
    const failure = stabilityFailure(verdict)!;
    expect(failure.specific).toBe('error rate 33.3 % > 0 %; 1 restart > 0');
    expect(failure.details).toEqual([
      '3 samples, 1 failed, p95 10 ms, 1 restarts, 0 error log lines',
      'frontend: 0 of 1 failed',
      'backend: 1 of 2 failed (last: 503 Service Unavailable)',
    ]);
    expect(stabilityFailure(judgeStability([ok(1)], thresholds, quiet))).toBeUndefined();
  });

  it('names the restarting pods and shows the error lines', () => {
    const examples = ['embark-backend-1: Error: connect ECONNREFUSED 127.0.0.1:5432', 'embark-backend-1: fatal: giving up'];
    const verdict = judgeStability([ok(10)], thresholds, {
      restarts: 4,
      errorLogLines: 3,
      restartsByPod: [{ pod: 'embark-backend-1', restarts: 4 }],
      errorLogExamples: examples,
    });
    const failure = stabilityFailure(verdict)!;
    expect(failure.specific).toBe('4 restarts > 0');
    expect(failure.details).toEqual([
      '1 samples, 0 failed, p95 10 ms, 4 restarts, 3 error log lines',
      'backend: 0 of 1 failed',
      '4 restarts in embark-backend-1',
      "3 error log lines, e.g. 'embark-backend-1: Error: connect ECONNREFUSED 127.0.0.1:5432'",
    ]);
    expect(failure.logExcerpt).toEqual(examples);
  });
});
