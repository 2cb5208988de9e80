import type { V1Pod } from '@kubernetes/client-node';
import { selectorLabels, selectorOf } from '../manifests/labels.ts';
import { apiFailure, callApi } from '../apply/api-failure.ts';
import type { KubeClient } from '../apply/client.ts';
import { resourceName } from '../manifests/workload.ts';
import { countErrorLines, restartBaseline, restartsSince } from './kube-evidence.ts';
import type { ErrorLogCount, RestartCount, StabilityProbe } from '../../verify/stability/observe.ts';
import { getThroughApiServer, serviceProxyPath } from './service-proxy.ts';

/** The release to watch: its namespace, and each service's port and health path from the configuration. */
export interface KubeStabilityTarget {
  namespace: string;
  project: string;
  services: { name: string; port: number; health: string }[];
}

/** What `observeStability` needs besides the thresholds. */
export interface KubeStabilitySignals {
  probes: StabilityProbe[];
  restarts: () => Promise<RestartCount>;
  errorLogLines: () => Promise<ErrorLogCount>;
}

/** Logs beyond this are not read: a pod that logs more in one window has shown enough. */
const MAX_LOG_BYTES = 8 * 1024 * 1024;

/**
 * Opens the window on a release running on Kubernetes: reads the restart counts of the services'
 * pods now, so only restarts from here on count, and returns one probe per service through the
 * API server's service proxy plus the restart and error-log readers `observeStability` calls when
 * the window ends.
 */
export async function kubeStabilitySignals(client: KubeClient, target: KubeStabilityTarget): Promise<KubeStabilitySignals> {
  const opened = Date.now();
  const { namespace } = target;

  const podsOfServices = async (): Promise<V1Pod[]> => {
    const lists = await Promise.all(
      target.services.map(async (service) => {
        const labelSelector = selectorOf(selectorLabels(target.project, service.name));
        return (
          await callApi(client, `list the pods of ${service.name} in ${namespace}`, () =>
            client.core.listNamespacedPod({ namespace, labelSelector }),
          )
        ).items;
      }),
    );
    return lists.flat();
  };

  const baseline = restartBaseline(await podsOfServices());

  const probes = target.services.map((service): StabilityProbe => {
    const path = serviceProxyPath(namespace, resourceName(target.project, service.name), service.port, service.health);
    return { name: service.name, get: (signal) => getThroughApiServer(client.config, path, signal) };
  });

  const errorLogLines = async (): Promise<ErrorLogCount> => {
    // The API server takes whole seconds; rounding up may take in a second before the window.
    const sinceSeconds = Math.max(1, Math.ceil((Date.now() - opened) / 1000));
    const logs = await Promise.all(
      (await podsOfServices()).flatMap((pod) =>
        (pod.spec?.containers ?? []).map(async (container) => ({
          pod: pod.metadata?.name ?? '',
          text: await podLog(client, { name: pod.metadata?.name ?? '', namespace, container: container.name, sinceSeconds }),
        })),
      ),
    );
    return countErrorLines(logs);
  };

  return { probes, restarts: async () => restartsSince(baseline, await podsOfServices()), errorLogLines };
}

/** A container's log since the window opened; empty when the container has not started or the pod is gone. */
async function podLog(
  client: KubeClient,
  request: { name: string; namespace: string; container: string; sinceSeconds: number },
): Promise<string> {
  try {
    return await client.core.readNamespacedPodLog({ ...request, limitBytes: MAX_LOG_BYTES });
  } catch (error) {
    // 400: the container is waiting (creating, pulling its image); 404: the pod went away since the list.
    const code = (error as { code?: number }).code;
    if (code === 400 || code === 404) return '';
    throw apiFailure(client.access, error, `read the log of pod ${request.name} in ${request.namespace}`);
  }
}
