import { counted } from '../../../shared/plural.ts';
export interface StabilityThresholds {
  windowSeconds: number;
  intervalMs: number;
  /** Largest share of failed probes tolerated (0..1). */
  maxErrorRate: number;
  maxP95Ms: number;
  maxRestarts: number;
  /** Error log lines tolerated in the window; unset means they are reported, not judged. */
  maxErrorLogLines?: number;
}

/** One probe request: its latency, and why it failed if it did. */
export interface ProbeSample {
  probe: string;
  ok: boolean;
  /** Time to the response, or to the failure when none came. */
  latencyMs: number;
  status?: number;
  /** "503", "connect ECONNREFUSED 127.0.0.1:7007", "no response within 1000 ms". */
  error?: string;
}

export interface ProbeEvidence {
  probe: string;
  samples: number;
  failures: number;
  /** The most recent failure's cause. */
  lastError?: string;
}

export interface StabilityVerdict {
  stable: boolean;
  evidence: {
    samples: number;
    failures: number;
    errorRate: number;
    p95Ms: number;
    restarts: number;
    errorLogLines: number;
    probes: ProbeEvidence[];
    /** Pods that restarted in the window, most restarts first (when the environment can tell). */
    restartsByPod?: PodRestarts[];
    /** A few of the error lines, "<pod>: <line>" (when the environment can tell). */
    errorLogExamples?: string[];
  };
  /** One per breached threshold: "error rate 12.5 % > 0 %". */
  reasons: string[];
}

/** Container restarts of one pod during the window. */
export interface PodRestarts {
  pod: string;
  restarts: number;
}

/** What the environment reported besides the probes. */
export interface Counters {
  restarts: number;
  errorLogLines: number;
  /** Which pods the restarts happened in. */
  restartsByPod?: PodRestarts[];
  /** Some of the error lines, to show what went wrong. */
  errorLogExamples?: string[];
}

/** Judges a window of samples and counters against the thresholds. Pure. */
export function judgeStability(samples: ProbeSample[], thresholds: StabilityThresholds, counters: Counters): StabilityVerdict {
  const failures = samples.filter((sample) => !sample.ok).length;
  const errorRate = samples.length === 0 ? 0 : failures / samples.length;
  // Latency of what was answered; a request that never got a response shows in the error rate.
  const answered = samples.filter((sample) => sample.status !== undefined).map((sample) => sample.latencyMs);
  const p95Ms = Math.round(percentile(answered, 95));
  const reasons: string[] = [];
  if (samples.length === 0) reasons.push('no samples were taken');
  if (errorRate > thresholds.maxErrorRate) reasons.push(`error rate ${percent(errorRate)} % > ${percent(thresholds.maxErrorRate)} %`);
  if (p95Ms > thresholds.maxP95Ms) reasons.push(`p95 latency ${p95Ms} ms > ${thresholds.maxP95Ms} ms`);
  if (counters.restarts > thresholds.maxRestarts) reasons.push(`${counted(counters.restarts, 'restart')} > ${thresholds.maxRestarts}`);
  if (thresholds.maxErrorLogLines !== undefined && counters.errorLogLines > thresholds.maxErrorLogLines) {
    reasons.push(`${counted(counters.errorLogLines, 'error log line')} > ${thresholds.maxErrorLogLines}`);
  }
  return {
    stable: reasons.length === 0,
    evidence: {
      samples: samples.length,
      failures,
      errorRate,
      p95Ms,
      restarts: counters.restarts,
      errorLogLines: counters.errorLogLines,
      probes: perProbe(samples),
      ...whereFrom(counters),
    },
    reasons,
  };
}

/** Nearest-rank percentile: the smallest value at least `p` % of values are at or below. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** 0.125 → "12.5", 0 → "0", 1/3 → "33.3". */
function percent(rate: number): string {
  return String(Math.round(rate * 1000) / 10);
}

/** Which pods restarted and what the error lines said, kept only when there is something to show. */
function whereFrom(counters: Counters): Pick<StabilityVerdict['evidence'], 'restartsByPod' | 'errorLogExamples'> {
  const restartsByPod = (counters.restartsByPod ?? []).filter((pod) => pod.restarts > 0).sort((a, b) => b.restarts - a.restarts);
  const errorLogExamples = counters.errorLogExamples ?? [];
  return {
    ...(restartsByPod.length > 0 ? { restartsByPod } : {}),
    ...(errorLogExamples.length > 0 ? { errorLogExamples } : {}),
  };
}

function perProbe(samples: ProbeSample[]): ProbeEvidence[] {
  const byProbe = new Map<string, ProbeEvidence>();
  for (const sample of samples) {
    const evidence = byProbe.get(sample.probe) ?? { probe: sample.probe, samples: 0, failures: 0 };
    evidence.samples += 1;
    if (!sample.ok) {
      evidence.failures += 1;
      evidence.lastError = sample.error;
    }
    byProbe.set(sample.probe, evidence);
  }
  return [...byProbe.values()];
}
