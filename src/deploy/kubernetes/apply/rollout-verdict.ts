import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

/** Container waiting reasons that no amount of waiting fixes. */
const STUCK = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError']);

export type RolloutVerdict =
  | { state: 'complete' }
  | { state: 'progressing'; ready: number; wanted: number }
  /** `pods`: the names of the new pods that are not ready, whose events and logs explain it. */
  | { state: 'failed'; reason: string; pods: string[] };

/**
 * Where a Deployment's rollout stands, from its status and the pods of its current ReplicaSet.
 * Complete when the controller has seen the latest spec and every replica is updated, ready and
 * available with no old pod left; failed when a new pod is stuck (crash loop, image pull, missing
 * configuration) or the controller reports ProgressDeadlineExceeded.
 */
export function rolloutVerdict(deployment: V1Deployment, currentPods: V1Pod[]): RolloutVerdict {
  const wanted = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const ready = status.readyReplicas ?? 0;
  if (!observed) return { state: 'progressing', ready, wanted };

  const unready = currentPods.filter((pod) => !isReady(pod));
  const stuck = unready
    .flatMap((pod) => (pod.status?.containerStatuses ?? []).map((c) => ({ pod, reason: c.state?.waiting?.reason ?? '' })))
    .filter(({ reason }) => STUCK.has(reason));
  if (stuck.length > 0)
    return { state: 'failed', reason: stuck[0].reason, pods: [...new Set(stuck.map(({ pod }) => pod.metadata?.name ?? ''))] };

  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', reason: 'ProgressDeadlineExceeded', pods: unready.map((pod) => pod.metadata?.name ?? '') };
  }
  const complete =
    (status.updatedReplicas ?? 0) === wanted &&
    ready === wanted &&
    (status.availableReplicas ?? 0) === wanted &&
    (status.replicas ?? 0) === wanted;
  return complete ? { state: 'complete' } : { state: 'progressing', ready, wanted };
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** "never became ready (ProgressDeadlineExceeded)": what a failed rollout did, for the Failure's first line. */
export function describeFailure(reason: string): string {
  switch (reason) {
    case 'ProgressDeadlineExceeded':
      return 'never became ready (ProgressDeadlineExceeded)';
    case 'CrashLoopBackOff':
      return 'kept crashing (CrashLoopBackOff)';
    case 'ImagePullBackOff':
    case 'ErrImagePull':
    case 'InvalidImageName':
      return `could not pull its image (${reason})`;
    case 'CreateContainerConfigError':
      return 'could not start its containers (CreateContainerConfigError)';
    default:
      return `failed (${reason})`;
  }
}

/** What to check, by why the rollout failed. */
export function hintFor(reason: string): string {
  switch (reason) {
    case 'ProgressDeadlineExceeded':
    case 'Timeout':
      return 'The pods never passed their readiness probe: check the events and log lines above — usually a dependency the service waits for (database, secret, configuration), a wrong health path or port, or too little CPU or memory to start in time.';
    case 'CrashLoopBackOff':
      return 'The container exits soon after it starts: the log lines above say why — usually missing configuration (environment variables, the resource secrets) or a failing startup step.';
    case 'CreateContainerConfigError':
      return "A Secret or ConfigMap the pods need is missing or lacks a key: see the events above, and create it in the environment's namespace.";
    default:
      return "The cluster cannot pull the image: check that the release's image digest exists in the registry the cluster pulls from, and the cluster's pull credentials for it.";
  }
}
