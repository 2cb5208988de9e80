import type { KubeObject } from './types.ts';

/**
 * The order objects are written and applied in: the namespace before what lives in it,
 * identities and configuration before the workloads that mount them, services before
 * deployments (so endpoints exist as pods start), then what refers to the workloads.
 */
const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
  'Ingress',
];

/** A kind's place in apply order; kinds not listed come last. */
export function kindRank(kind: string): number {
  const index = KIND_ORDER.indexOf(kind);
  return index === -1 ? KIND_ORDER.length : index;
}

/** The objects in apply order, those of one kind in the order given. */
export function applyOrder(objects: KubeObject[]): KubeObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => kindRank(a.object.kind) - kindRank(b.object.kind) || a.index - b.index)
    .map(({ object }) => object);
}

/** Deletion order: the reverse of apply order, so nothing is left referring to what is gone. */
export function deleteOrder(objects: KubeObject[]): KubeObject[] {
  return applyOrder(objects).reverse();
}
