import type { CoreV1Event } from '@kubernetes/client-node';
import { redact } from '../../../shared/redactor.ts';
import { apiFailure } from './api-failure.ts';
import { apiStatusOf } from './api-status.ts';
import type { KubeClient } from './client.ts';

/** At most this many pods are described: the first few tell the story, the rest repeat it. */
const MAX_PODS = 3;
const LOG_LINES = 20;

export interface PodDiagnostics {
  /** "pod embark-backend-7c9-x2x: BackOff: Back-off restarting failed container (×4)" */
  events: string[];
  /** "[embark-backend-7c9-x2x] Error: connect ECONNREFUSED 127.0.0.1:5432" */
  log: string[];
}

/**
 * What the failing pods say: their events (warnings, or all when there are none) and the last
 * log lines of each container — the previous run's for a container that crashed. Reading them
 * must not hide the rollout's failure, so a refused read becomes a line, not an error.
 */
export async function podDiagnostics(client: KubeClient, namespace: string, pods: string[]): Promise<PodDiagnostics> {
  const result: PodDiagnostics = { events: [], log: [] };
  for (const name of pods.slice(0, MAX_PODS)) {
    try {
      const list = await client.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
      result.events.push(...eventLines(name, list.items));
    } catch (error) {
      result.events.push(
        `pod ${name}: events not readable: ${apiFailure(client.access, error, `list the events of pod ${name}`).specific}`,
      );
    }
    result.log.push(...(await podLog(client, namespace, name)));
  }
  if (pods.length > MAX_PODS) result.events.push(`(${pods.length - MAX_PODS} more pods not shown)`);
  const clean = (line: string) => redact(line, client.access.secrets);
  return { events: result.events.map(clean), log: result.log.map(clean) };
}

/** A pod's events, oldest first, warnings only unless there are none. */
export function eventLines(pod: string, events: CoreV1Event[]): string[] {
  const warnings = events.filter((event) => event.type === 'Warning');
  const time = (event: CoreV1Event) => new Date(event.lastTimestamp ?? event.eventTime ?? 0).getTime();
  return (warnings.length > 0 ? warnings : events)
    .sort((a, b) => time(a) - time(b))
    .map((event) => `pod ${pod}: ${event.reason ?? 'Event'}: ${event.message ?? ''}${(event.count ?? 1) > 1 ? ` (×${event.count})` : ''}`);
}

async function podLog(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  try {
    const pod = await client.core.readNamespacedPod({ name, namespace });
    const lines: string[] = [];
    for (const container of pod.status?.containerStatuses ?? []) {
      // A crash-looping container is waiting to restart: its story is in the run that ended.
      const previous = container.restartCount > 0 && container.state?.waiting !== undefined;
      const text = await client.core
        .readNamespacedPodLog({ name, namespace, container: container.name, tailLines: LOG_LINES, previous })
        .catch((error: unknown) => `(no log: ${apiStatusOf(error)?.message ?? (error as Error).message})`);
      const prefix = (pod.status?.containerStatuses?.length ?? 0) > 1 ? `[${name}/${container.name}]` : `[${name}]`;
      lines.push(
        ...text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .slice(-LOG_LINES)
          .map((line) => `${prefix} ${line}`),
      );
    }
    return lines;
  } catch (error) {
    return [`[${name}] (no log: ${apiFailure(client.access, error, `read pod ${name}`).specific})`];
  }
}
