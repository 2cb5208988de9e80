import type { BareDeployRepository } from './deploy-repository.ts';
import type { KubeStandin } from './k8s-standin/index.ts';

/** How the simulated Argo CD reacts to a new commit on the branch it follows. */
export type ArgoBehaviour =
  /** Syncs it and reports it Healthy. */
  | { kind: 'healthy' }
  /** Syncs it, and the release never becomes healthy: Argo CD's health message. */
  | { kind: 'degraded'; message: string }
  /** Never syncs it (a controller that is down, or follows another branch). */
  | { kind: 'never' };

export interface ArgoApplicationRef {
  name: string;
  namespace: string;
  /** The branch of the deploy repository it follows. */
  branch: string;
}

/**
 * Argo CD's part in a GitOps test: an Application in the Kubernetes stand-in that reports the
 * deploy repository's commit it last synced (at first the branch's head, Synced and Healthy), and
 * reacts to each new commit on the branch as `behaviour` says. Only the Application's status is
 * simulated; nothing is applied.
 */
export function simulateArgoCd(
  standin: KubeStandin,
  repository: BareDeployRepository,
  application: ArgoApplicationRef,
  behaviour: ArgoBehaviour,
): { stop(): void } {
  const report = (revision: string | undefined, sync: string, health: string, message?: string) =>
    standin.set({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: application.name, namespace: application.namespace },
      spec: { source: { repoURL: repository.dir, targetRevision: application.branch, path: '.' }, destination: {}, project: 'default' },
      status: {
        sync: { status: sync, ...(revision ? { revision } : {}) },
        health: { status: health, ...(message ? { message } : {}) },
      },
    });
  const synced = repository.head(application.branch);
  report(synced, 'Synced', 'Healthy');
  let seen = synced;
  const timer = setInterval(() => {
    const head = repository.head(application.branch);
    if (head === seen) return;
    seen = head;
    if (behaviour.kind === 'healthy') report(head, 'Synced', 'Healthy');
    else if (behaviour.kind === 'degraded') report(head, 'Synced', 'Degraded', behaviour.message);
    else report(synced, 'OutOfSync', 'Healthy');
  }, 25);
  return { stop: () => clearInterval(timer) };
}
