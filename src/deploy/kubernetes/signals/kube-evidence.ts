import type { ErrorLogCount, RestartCount } from '../../verify/stability/observe.ts';

/** The part of a Pod the stability signals read. */
export interface PodFacts {
  metadata?: { name?: string; uid?: string };
  status?: { containerStatuses?: { restartCount?: number }[] };
}

/** Restarts of a pod's containers over its whole life. */
export function podRestarts(pod: PodFacts): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, container) => sum + (container.restartCount ?? 0), 0);
}

/** Restarts by pod uid when the window opened. */
export function restartBaseline(pods: PodFacts[]): Map<string, number> {
  return new Map(pods.map((pod) => [pod.metadata?.uid ?? '', podRestarts(pod)]));
}

/**
 * Restarts since the baseline: a pod seen then counts only what it added since, a pod that
 * appeared after it counts everything (its restarts all happened in the window).
 */
export function restartsSince(baseline: Map<string, number>, pods: PodFacts[]): RestartCount {
  const byPod = pods
    .map((pod) => ({
      pod: pod.metadata?.name ?? '',
      restarts: Math.max(0, podRestarts(pod) - (baseline.get(pod.metadata?.uid ?? '') ?? 0)),
    }))
    .filter((pod) => pod.restarts > 0);
  return { total: byPod.reduce((sum, pod) => sum + pod.restarts, 0), byPod };
}

/** "Error: connect ECONNREFUSED", "FATAL …", "Unhandled exception" — but not "errors=0" or "TypeError". */
const ERROR_LINE = /\b(error|exception|fatal)\b/i;

const MAX_EXAMPLES = 3;
const MAX_EXAMPLE_LENGTH = 200;

/** Counts the error lines in each pod's log; the first few become examples, "<pod>: <line>". */
export function countErrorLines(logs: { pod: string; text: string }[]): ErrorLogCount {
  const found = logs.flatMap(({ pod, text }) =>
    text
      .split('\n')
      .filter((line) => ERROR_LINE.test(line))
      .map((line) => ({ pod, line: line.trim() })),
  );
  return {
    total: found.length,
    examples: found
      .slice(0, MAX_EXAMPLES)
      .map(({ pod, line }) => `${pod}: ${line.length > MAX_EXAMPLE_LENGTH ? `${line.slice(0, MAX_EXAMPLE_LENGTH)}…` : line}`),
  };
}
