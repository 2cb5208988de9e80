import type { KubeObject } from '../manifests/types.ts';
import { apiFailure } from './api-failure.ts';
import { apiStatusOf } from './api-status.ts';
import { serverSideApply } from './apply.ts';
import type { KubeClient } from './client.ts';
import { applyOrder } from '../manifests/order.ts';
import { describeObject, objectKey } from './objects.ts';
import { rejectionsFailure, type Rejection } from './rejections.ts';

export interface DryRunResult {
  /** Objects the server accepted (admission, schema, field ownership): "Deployment/embark-backend". */
  checked: string[];
  /**
   * Objects not checked because their namespace does not exist yet and is one of the objects:
   * a dry run stores nothing, so the server cannot take them until the namespace is really created.
   */
  unchecked: string[];
}

/**
 * Server-side apply with dryRun=All for every object, as the field manager: the API server's
 * own validation, defaulting and conflict checks, with nothing written. Every rejection is
 * collected into one Failure naming object, field and fix; an unreachable server or refused
 * credentials fail at once.
 */
export async function dryRunApply(client: KubeClient, objects: KubeObject[], fieldManager = 'slipway'): Promise<DryRunResult> {
  const result: DryRunResult = { checked: [], unchecked: [] };
  const rejections: Rejection[] = [];
  const created = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const missingNamespaces = new Set<string>();
  for (const object of applyOrder(objects)) {
    const namespace = object.metadata.namespace;
    if (namespace !== undefined && missingNamespaces.has(namespace)) {
      result.unchecked.push(objectKey(object));
      continue;
    }
    try {
      await serverSideApply(client, object, fieldManager, true);
      result.checked.push(objectKey(object));
    } catch (error) {
      const status = apiStatusOf(error);
      if (!status || status.code === 401 || status.code === 403)
        throw apiFailure(client.access, error, `apply ${describeObject(object)} (dry run)`);
      if (
        status.code === 404 &&
        namespace !== undefined &&
        created.has(namespace) &&
        status.message === `namespaces "${namespace}" not found`
      ) {
        missingNamespaces.add(namespace);
        result.unchecked.push(objectKey(object));
        continue;
      }
      rejections.push({ object: describeObject(object), status });
    }
  }
  if (rejections.length > 0) throw rejectionsFailure(rejections, { dryRun: true });
  return result;
}
