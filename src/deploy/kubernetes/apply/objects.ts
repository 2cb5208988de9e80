import { Failure } from '../../../shared/feedback/failure.ts';
import { objectName, type KubeObject } from '../manifests/types.ts';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const PART_OF = 'app.kubernetes.io/part-of';
export const RELEASE = 'slipway.dev/release';
/** Marks the revision history records, which no prune may touch. */
export const HISTORY = 'slipway.dev/history';

/** Kinds without a namespace, among those a release holds. */
const CLUSTER_SCOPED = new Set(['Namespace']);

/** "Deployment embark-backend in embark-dev", or "Namespace embark-dev": how messages name an object. */
export function describeObject(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${name}${namespace ? ` in ${namespace}` : ''}`;
}

/** "Deployment/embark-backend": identity within one environment's namespace, what prune compares. */
export const objectKey = objectName;

/**
 * Apply order: the namespace before what lives in it, identities and configuration before the
 * workloads that mount them, services before deployments (so endpoints exist as pods start),
 * then the rest in the order given.
 */
const ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Deployment'];

export function applyOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (object: KubeObject) => (ORDER.includes(object.kind) ? ORDER.indexOf(object.kind) : ORDER.length);
  return objects.map((object, index) => ({ object, index })).sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index).map(({ object }) => object);
}

/** Deletion order: the reverse of apply order, so nothing is left referring to what is gone. */
export function deleteOrder(objects: KubeObject[]): KubeObject[] {
  return applyOrder(objects).reverse();
}

/**
 * The objects placed in `namespace`: an unset namespace is filled in; one set to another
 * namespace is a mistake in the caller's objects, reported rather than silently moved.
 */
export function inNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((object) => {
    if (CLUSTER_SCOPED.has(object.kind)) return object;
    const set = object.metadata.namespace;
    if (set !== undefined && set !== namespace) {
      throw new Failure(`${describeObject(object)} is not in the environment's namespace ${namespace}`, {
        hint: 'Every object of a release must live in its environment\'s namespace: render the manifests for this environment.',
      });
    }
    return { ...object, metadata: { ...object.metadata, namespace } };
  });
}

/**
 * Copies of the objects moved to another namespace: the Namespace object renamed, every other
 * object's namespace rewritten.
 */
export function movedTo(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((object) => {
    const copy = structuredClone(object);
    if (copy.kind === 'Namespace') copy.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(copy.kind)) copy.metadata.namespace = namespace;
    return copy;
  });
}

/**
 * What a prune deletes: the live objects of the project's releases that `desired` no longer has.
 * Never the Namespace (it holds the history and other tools' objects), never a history record,
 * never a Secret (connection settings are provisioned outside the release).
 */
export function pruneList(live: KubeObject[], desired: KubeObject[]): KubeObject[] {
  const wanted = new Set(desired.map(objectKey));
  return live.filter((object) =>
    object.kind !== 'Namespace' && object.kind !== 'Secret' && object.metadata.labels?.[HISTORY] === undefined && !wanted.has(objectKey(object)));
}

/** The label selector of the objects a project's releases applied. */
export function releaseSelector(project: string): string {
  return `${MANAGED_BY}=slipway,${PART_OF}=${project},${RELEASE}`;
}
