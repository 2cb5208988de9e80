import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../manifests/types.ts';
import { apiFailure, callApi } from './api-failure.ts';
import { isStatus } from './api-status.ts';
import type { KubeClient } from './client.ts';
import { releaseSelector } from '../manifests/labels.ts';
import { applyOrder, deleteOrder } from '../manifests/order.ts';
import { describeObject, objectKey } from './objects.ts';

export interface ApplyOptions {
  fieldManager: string;
  onLog?: (line: string) => void;
}

/** Server-side apply of one object, never forced: a conflict with another manager is an error, not a takeover. */
export function serverSideApply(client: KubeClient, object: KubeObject, fieldManager: string, dryRun = false): Promise<KubernetesObject> {
  return client.objects.patch(
    object as KubernetesObject,
    undefined,
    dryRun ? 'All' : undefined,
    fieldManager,
    false,
    PatchStrategy.ServerSideApply,
  );
}

/** serverSideApply, its error a Failure naming the object (and, for a rejection, the fields). */
export async function applyObject(client: KubeClient, object: KubeObject, fieldManager: string): Promise<void> {
  await callApi(client, `apply ${describeObject(object)}`, () => serverSideApply(client, object, fieldManager), describeObject(object));
}

/** Applies every object in apply order; returns their keys ("Deployment/embark-backend"). */
export async function applyAll(client: KubeClient, objects: KubeObject[], options: ApplyOptions): Promise<string[]> {
  const applied: string[] = [];
  for (const object of applyOrder(objects)) {
    await applyObject(client, object, options.fieldManager);
    applied.push(objectKey(object));
    options.onLog?.(`applied ${describeObject(object)}`);
  }
  return applied;
}

/** Which of the objects exist now (by key): what a first deploy must not delete if it fails. */
export async function existingKeys(client: KubeClient, objects: KubeObject[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const object of objects) {
    const header = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
    };
    try {
      await client.objects.read(header);
      found.add(objectKey(object));
    } catch (error) {
      if (!isStatus(error, 404)) throw apiFailure(client.access, error, `read ${describeObject(object)}`);
    }
  }
  return found;
}

/** Deletes objects, dependants first; one already gone counts as deleted. Returns their keys. */
export async function deleteAll(client: KubeClient, objects: KubeObject[], onLog?: (line: string) => void): Promise<string[]> {
  const deleted: string[] = [];
  for (const object of deleteOrder(objects)) {
    try {
      await client.objects.delete(object as KubernetesObject, undefined, undefined, undefined, undefined, 'Background');
    } catch (error) {
      if (!isStatus(error, 404)) throw apiFailure(client.access, error, `delete ${describeObject(object)}`);
    }
    deleted.push(objectKey(object));
    onLog?.(`deleted ${describeObject(object)}`);
  }
  return deleted;
}

/**
 * The live objects of the project's releases in the namespace, of the given kinds
 * (`apiVersion kind` pairs): a kind the cluster does not serve has none.
 */
export async function liveReleaseObjects(
  client: KubeClient,
  namespace: string,
  project: string,
  kinds: Iterable<string>,
): Promise<KubeObject[]> {
  const live: KubeObject[] = [];
  for (const pair of new Set(kinds)) {
    const [apiVersion, kind] = pair.split(' ');
    if (kind === 'Namespace') continue;
    try {
      const list = await client.objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        releaseSelector(project),
      );
      // List items come without apiVersion and kind.
      live.push(...list.items.map((item) => ({ ...item, apiVersion, kind }) as unknown as KubeObject));
    } catch (error) {
      if (!isStatus(error, 404)) throw apiFailure(client.access, error, `list ${kind} objects in ${namespace}`);
    }
  }
  return live;
}

/** `apiVersion kind` of each object: the kinds to look for when pruning. */
export function kindsOf(objects: KubeObject[]): string[] {
  return objects.map((object) => `${object.apiVersion} ${object.kind}`);
}
