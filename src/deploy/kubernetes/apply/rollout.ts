import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { Failure } from '../../../shared/feedback/failure.ts';
import { selectorOf } from '../manifests/labels.ts';
import type { KubeObject } from '../manifests/types.ts';
import { callApi } from './api-failure.ts';
import type { KubeClient } from './client.ts';
import { podDiagnostics } from './diagnostics.ts';
import { describeFailure, hintFor, isReady, rolloutVerdict } from './rollout-verdict.ts';

const REVISION = 'deployment.kubernetes.io/revision';

/** A rollout that did not complete: which deployment, why, and its unready new pods. */
interface RolloutProblem {
  deployment: string;
  namespace: string;
  /** A waiting reason, ProgressDeadlineExceeded, or Timeout. */
  reason: string;
  /** "never became ready (ProgressDeadlineExceeded)" */
  summary: string;
  pods: string[];
}

/**
 * Polls a Deployment until its rollout completes (undefined) or fails, or `deadline` (epoch ms)
 * passes. Polling, quick at first and then every second, rather than a watch: a verdict needs the
 * pods as well as the Deployment, and a poll survives a dropped connection.
 */
async function waitForRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  deadline: number,
  timeoutSeconds: number,
): Promise<RolloutProblem | undefined> {
  let delay = 25;
  for (;;) {
    const deployment = await callApi(client, `read Deployment ${name} in ${namespace}`, () =>
      client.apps.readNamespacedDeployment({ name, namespace }),
    );
    const pods = await currentPods(client, deployment);
    const verdict = rolloutVerdict(deployment, pods);
    if (verdict.state === 'complete') return undefined;
    if (verdict.state === 'failed')
      return { deployment: name, namespace, reason: verdict.reason, summary: describeFailure(verdict.reason), pods: verdict.pods };
    if (Date.now() >= deadline) {
      const summary = `was not ready within ${timeoutSeconds}s (${verdict.ready} of ${verdict.wanted} replicas ready)`;
      return {
        deployment: name,
        namespace,
        reason: 'Timeout',
        summary,
        pods: pods.filter((pod) => !isReady(pod)).map((pod) => pod.metadata?.name ?? ''),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
}

/**
 * The pods of the Deployment's current ReplicaSet (the one at its revision): the new pods a
 * verdict is about, not the old ones being replaced.
 */
async function currentPods(client: KubeClient, deployment: V1Deployment): Promise<V1Pod[]> {
  const namespace = deployment.metadata?.namespace ?? '';
  const selector = selectorOf(deployment.spec?.selector.matchLabels ?? {});
  const revision = deployment.metadata?.annotations?.[REVISION];
  if (!revision || !selector) return [];
  const sets = await callApi(client, `list the ReplicaSets of ${deployment.metadata?.name} in ${namespace}`, () =>
    client.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }),
  );
  const current = sets.items.find(
    (rs) =>
      rs.metadata?.annotations?.[REVISION] === revision &&
      rs.metadata?.ownerReferences?.some((ref) => ref.uid === deployment.metadata?.uid),
  );
  const hash = current?.metadata?.labels?.['pod-template-hash'];
  if (!hash) return [];
  const pods = await callApi(client, `list the pods of ${deployment.metadata?.name} in ${namespace}`, () =>
    client.core.listNamespacedPod({ namespace, labelSelector: `${selector},pod-template-hash=${hash}` }),
  );
  return pods.items;
}

/**
 * Waits for every Deployment among the objects to finish rolling out, within one shared timeout
 * (they roll out side by side). A failed rollout is a Failure carrying its pods' events and last
 * log lines, read now, before anything replaces those pods.
 */
export async function awaitRollouts(
  client: KubeClient,
  objects: KubeObject[],
  timeoutSeconds: number,
  onLog: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (const deployment of objects.filter((object) => object.kind === 'Deployment')) {
    const { name, namespace = '' } = deployment.metadata;
    onLog(`waiting for deployment ${name} in ${namespace} to roll out`);
    const problem = await waitForRollout(client, namespace, name, deadline, timeoutSeconds);
    if (problem) {
      const diagnostics = await podDiagnostics(client, namespace, problem.pods);
      throw new Failure(`deployment ${name} in ${namespace} ${problem.summary}`, {
        details: diagnostics.events,
        logExcerpt: diagnostics.log,
        hint: hintFor(problem.reason),
      });
    }
    onLog(`deployment ${name} in ${namespace} is ready`);
  }
}
