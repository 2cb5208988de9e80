import { CustomObjectsApi } from '@kubernetes/client-node';
import { Failure } from '../../shared/feedback/failure.ts';
import { apiFailure } from '../kubernetes/apply/index.ts';
import type { KubeClient } from '../kubernetes/apply/index.ts';
import { apiStatusOf } from '../kubernetes/apply/api-status.ts';
import { argoVerdict, type ArgoApplicationStatus } from './argo-status.ts';

export interface ArgoWait {
  client: KubeClient;
  /** The Application's name and namespace. */
  application: string;
  namespace: string;
  /** The deploy repository's commit it must report synced. */
  revision: string;
  timeoutSeconds: number;
  log: (line: string) => void;
}

/**
 * Reads the Argo CD Application until it reports `revision` synced and healthy. Argo CD's own
 * message becomes the Failure when the sync fails or the release is Degraded; at the timeout, the
 * Failure says what Argo CD last reported. Each change of state is logged once.
 */
export async function waitForArgoSync(wait: ArgoWait): Promise<void> {
  const where = `Argo CD Application ${wait.namespace}/${wait.application}`;
  const deadline = performance.now() + wait.timeoutSeconds * 1000;
  // Often enough for a short timeout, rarely enough not to load the API server on a long one.
  const pollMs = Math.min(2000, Math.max(50, (wait.timeoutSeconds * 1000) / 20));
  const api = wait.client.config.makeApiClient(CustomObjectsApi);
  let last = '';
  for (;;) {
    const status = await readApplication(api, wait, where);
    const verdict =
      status === 'missing' ? { kind: 'waiting' as const, state: 'the Application does not exist' } : argoVerdict(status, wait.revision);
    if (verdict.kind === 'synced') {
      wait.log(`${where}: ${wait.revision.slice(0, 12)} synced and healthy`);
      return;
    }
    if (verdict.kind === 'failed') {
      throw new Failure(`${where} did not sync ${wait.revision.slice(0, 12)}: ${verdict.cause}`, {
        details: [`last reported: ${verdict.details.join('; ')}`],
        hint: `see why in Argo CD (argocd app get ${wait.application} -N ${wait.namespace}), fix it in the release, and release again`,
      });
    }
    if (verdict.state !== last) wait.log(`${where}: ${verdict.state}`);
    last = verdict.state;
    if (performance.now() >= deadline) {
      throw new Failure(`${where} did not report ${wait.revision.slice(0, 12)} synced and healthy within ${wait.timeoutSeconds} s`, {
        details: [`last reported: ${last}`],
        hint: `check that the Application follows the deploy repository's branch and path, and that Argo CD can reach it; raise gitops.syncTimeoutSeconds if syncs take longer`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - performance.now()))));
  }
}

/** By its path, not through discovery: a cluster without Argo CD's CRD answers 404 like a missing Application. */
async function readApplication(api: CustomObjectsApi, wait: ArgoWait, where: string): Promise<ArgoApplicationStatus | 'missing'> {
  try {
    const object: unknown = await api.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: wait.namespace,
      plural: 'applications',
      name: wait.application,
    });
    return ((object as { status?: ArgoApplicationStatus }).status ?? {}) as ArgoApplicationStatus;
  } catch (error) {
    // Not there yet (an ApplicationSet may create it), or no Argo CD: wait, and say so at the timeout.
    if (apiStatusOf(error)?.code === 404) return 'missing';
    throw apiFailure(wait.client.access, error, `read the ${where}`);
  }
}
