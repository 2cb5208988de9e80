import { selectorLabels, selectorOf } from '../manifests/labels.ts';
import { resourceName } from '../manifests/workload.ts';
import { callApi } from './api-failure.ts';
import { isStatus } from './api-status.ts';
import type { ServiceStatus } from '../../target.ts';
import type { KubeClient } from './client.ts';

/**
 * How each service's Deployment and pods are doing now, for `slipway env status`: alive with an
 * available replica, and the restarts of its containers.
 */
export async function serviceStatuses(
  client: KubeClient,
  target: { namespace: string; project: string; services: string[] },
): Promise<Omit<ServiceStatus, 'url'>[]> {
  const { namespace, project } = target;
  return Promise.all(
    target.services.map(async (name) => {
      const deployment = resourceName(project, name);
      // A Deployment that is not there (removed, or never applied) serves nothing.
      const found = await callApi(client, `read Deployment ${deployment} in ${namespace}`, () =>
        client.apps.readNamespacedDeployment({ name: deployment, namespace }).catch((error: unknown) => {
          if (isStatus(error, 404)) return undefined;
          throw error;
        }),
      );
      const pods = await callApi(client, `list the pods of ${deployment} in ${namespace}`, () =>
        client.core.listNamespacedPod({ namespace, labelSelector: selectorOf(selectorLabels(project, name)) }),
      );
      const restarts = pods.items
        .flatMap((pod) => pod.status?.containerStatuses ?? [])
        .reduce((sum, container) => sum + container.restartCount, 0);
      return { name, alive: (found?.status?.availableReplicas ?? 0) > 0, restarts };
    }),
  );
}
