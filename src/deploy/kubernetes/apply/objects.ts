import { Failure } from '../../../shared/feedback/failure.ts';
import { HISTORY } from '../manifests/labels.ts';
import { objectName, type KubeObject } from '../manifests/types.ts';

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
 * The objects placed in `namespace`: an unset namespace is filled in; one set to another
 * namespace is a mistake in the caller's objects, reported rather than silently moved.
 */
export function inNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((object) => {
    if (CLUSTER_SCOPED.has(object.kind)) return object;
    const set = object.metadata.namespace;
    if (set !== undefined && set !== namespace) {
      throw new Failure(`${describeObject(object)} is not in the environment's namespace ${namespace}`, {
        hint: "Every object of a release must live in its environment's namespace: render the manifests for this environment.",
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
  return live.filter(
    (object) =>
      object.kind !== 'Namespace' &&
      object.kind !== 'Secret' &&
      object.metadata.labels?.[HISTORY] === undefined &&
      !wanted.has(objectKey(object)),
  );
}
