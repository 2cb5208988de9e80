import { parse } from 'yaml';
import { serverSideApply } from '../deploy/kubernetes/apply/apply.ts';
import type { KubeObject } from '../deploy/kubernetes/manifests/index.ts';
import type { BareDeployRepository } from './deploy-repository.ts';
import type { KubeStandin } from './k8s-standin/index.ts';
import { standinClient } from './kube-fixtures.ts';

/** How the simulated Argo CD reacts to a new commit on the branch it follows. */
export type ArgoBehaviour =
  /** Reports it synced and Healthy, without applying anything. */
  | { kind: 'healthy' }
  /** Applies the kustomization at `path` to the stand-in, waits for its Deployments to be available, then reports it synced and Healthy. */
  | { kind: 'applies'; path: string }
  /** Reports it synced, and the release never becomes healthy: Argo CD's health message. */
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
 * reacts to each new commit on the branch as `behaviour` says.
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
  let busy = false;
  let stopped = false;
  const react = async (head: string) => {
    if (behaviour.kind === 'healthy') report(head, 'Synced', 'Healthy');
    else if (behaviour.kind === 'degraded') report(head, 'Synced', 'Degraded', behaviour.message);
    else if (behaviour.kind === 'never') report(synced, 'OutOfSync', 'Healthy');
    else {
      report(head, 'Synced', 'Progressing');
      const objects = kustomizationAt(repository, head, behaviour.path);
      const client = standinClient(standin);
      for (const object of objects) await serverSideApply(client, object, 'argocd-controller');
      const deployments = objects.filter((object) => object.kind === 'Deployment');
      while (!stopped && !deployments.every((object) => available(standin, object)))
        await new Promise((resolve) => setTimeout(resolve, 25));
      report(head, 'Synced', 'Healthy');
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    const head = repository.head(application.branch);
    if (!head || head === seen) return;
    seen = head;
    busy = true;
    void react(head).finally(() => (busy = false));
  }, 25);
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The objects a kustomization at `path` lists, as committed at `commit` (kustomize's job, for plain resources). */
function kustomizationAt(repository: BareDeployRepository, commit: string, path: string): KubeObject[] {
  const kustomization = parse(repository.read(commit, `${path}/kustomization.yaml`)) as { resources: string[] };
  return kustomization.resources.map((file) => parse(repository.read(commit, `${path}/${file}`)) as KubeObject);
}

function available(standin: KubeStandin, deployment: KubeObject): boolean {
  const stored = standin.get('apps/v1', 'Deployment', deployment.metadata.namespace, deployment.metadata.name) as
    { spec?: { replicas?: number }; status?: { availableReplicas?: number } } | undefined;
  return (stored?.status?.availableReplicas ?? 0) >= (stored?.spec?.replicas ?? 1);
}
