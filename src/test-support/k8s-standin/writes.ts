import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../deploy/kubernetes/manifests/types.ts';
import { serverSideApply, type ManagedFieldsEntry } from './apply.ts';
import { apiVersionOf, resourceForKind, type ResourceType } from './resources.ts';
import { timestamp } from './rollout.ts';
import { ApiError, badRequest, notFound } from './status.ts';
import type { ObjectStore, StoredObject } from './store.ts';
import { validateObject } from './validation.ts';

type Json = Record<string, unknown>;
const NAMESPACES = resourceForKind('v1', 'Namespace') as ResourceType;

export interface WriteTarget {
  resource: ResourceType;
  namespace?: string;
  /** The name on the URL; undefined for a create (POST to the collection). */
  name?: string;
}

export interface WriteOptions {
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
  /** POST: fail with 409 AlreadyExists rather than update. */
  createOnly: boolean;
}

/** The result of a write: the object as stored (or as it would be, on a dry run) and 201 for a create. */
export interface WriteResult {
  object: StoredObject;
  created: boolean;
}

/**
 * Server-side apply (and create): check the body against the URL, merge it with the stored
 * object under the manager's ownership, default, validate, then store it, bumping generation
 * only when more than metadata changed and resourceVersion only when anything did.
 */
export function writeObject(store: ObjectStore, target: WriteTarget, body: unknown, options: WriteOptions): WriteResult {
  const { resource } = target;
  const config = checkBody(target, body);
  const name = (config.metadata as Json).name as string;
  const namespace = resource.namespaced ? target.namespace : undefined;
  if (namespace !== undefined && !store.get(NAMESPACES, undefined, namespace)) throw notFound('namespaces', '', namespace);
  const existing = store.get(resource, namespace, name);
  if (existing && options.createOnly) {
    throw new ApiError(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, {
      name,
      group: resource.group || undefined,
      kind: resource.plural,
    });
  }

  const outcome = serverSideApply({ existing, config, manager: options.fieldManager, force: options.force, now: timestamp() });
  if (outcome.conflicts.length > 0) {
    const fields = outcome.conflicts.map((c) => `${c.message}: ${c.field}`);
    const count = outcome.conflicts.length;
    throw new ApiError(409, 'Conflict', `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${fields.join('\n')}`, {
      name,
      group: resource.group || undefined,
      kind: resource.plural,
      causes: outcome.conflicts,
    });
  }
  const object = outcome.object as StoredObject;
  if (options.createOnly) for (const entry of object.metadata.managedFields as ManagedFieldsEntry[]) entry.operation = 'Update';
  object.metadata.name = name;
  if (namespace !== undefined) object.metadata.namespace = namespace;
  applyDefaults(object);
  object.metadata.uid = existing?.metadata.uid ?? randomUUID();
  object.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? timestamp();
  object.metadata.resourceVersion = existing?.metadata.resourceVersion ?? '';
  object.metadata.generation = !existing
    ? 1
    : bodyChanged(existing, object)
      ? (existing.metadata.generation ?? 0) + 1
      : existing.metadata.generation;
  validateObject(resource, object as unknown as KubeObject, existing as unknown as KubeObject | undefined);

  if (options.dryRun || (existing && isDeepStrictEqual(existing, object))) return { object, created: !existing };
  return { object: store.put(resource, object), created: !existing };
}

/** Deletes an object (a namespace with everything in it); returns what was deleted. */
export function deleteObject(store: ObjectStore, resource: ResourceType, namespace: string | undefined, name: string): StoredObject {
  if (resource === NAMESPACES) store.removeNamespaceContents(name);
  const removed = store.remove(resource, namespace, name);
  if (!removed) throw notFound(resource.plural, resource.group, name);
  return removed;
}

function checkBody(target: WriteTarget, body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the request body must be a single Kubernetes object');
  const config = structuredClone(body) as Json;
  const apiVersion = apiVersionOf(target.resource);
  if (config.apiVersion !== apiVersion || config.kind !== target.resource.kind) {
    throw badRequest(
      `the body is ${String(config.apiVersion)}/${String(config.kind)} but the URL is for ${apiVersion}/${target.resource.kind}`,
    );
  }
  const metadata = config.metadata;
  if (typeof metadata !== 'object' || metadata === null || typeof (metadata as Json).name !== 'string' || (metadata as Json).name === '') {
    throw new ApiError(422, 'Invalid', `${target.resource.kind} "" is invalid: metadata.name: Required value: name is required`, {
      kind: target.resource.kind,
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: name is required', field: 'metadata.name' }],
    });
  }
  const meta = metadata as Json;
  if (target.name !== undefined && meta.name !== target.name) {
    throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${target.name})`);
  }
  if (target.resource.namespaced && meta.namespace !== undefined && meta.namespace !== target.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  // Fields only the server sets; status belongs to the status subresource.
  for (const field of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'namespace']) delete meta[field];
  delete config.status;
  return config;
}

/** Whether anything outside metadata and status changed: what bumps `metadata.generation`. */
function bodyChanged(before: Json, after: Json): boolean {
  const body = (object: Json) => Object.fromEntries(Object.entries(object).filter(([key]) => key !== 'metadata' && key !== 'status'));
  return !isDeepStrictEqual(body(before), body(after));
}

/** The defaults the API server fills in that a deploy reads back. */
function applyDefaults(object: StoredObject): void {
  if (object.kind === 'Deployment') {
    const spec = ((object.spec as Json | undefined) ?? {}) as Json;
    spec.replicas ??= 1;
    spec.progressDeadlineSeconds ??= 600;
    spec.revisionHistoryLimit ??= 10;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  }
  if (object.kind === 'Namespace') {
    object.spec ??= { finalizers: ['kubernetes'] };
    object.status ??= { phase: 'Active' };
  }
}

function qualified(resource: ResourceType): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}
