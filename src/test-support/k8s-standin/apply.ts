import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from './status.ts';

type Json = Record<string, unknown>;
type FieldPath = string[];

/** One `metadata.managedFields` entry: who set which fields, and how. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

export interface ApplyRequest {
  /** The stored object, or undefined when the apply creates it. */
  existing?: Json;
  /** The applied configuration: the manager's whole intent for the object. */
  config: Json;
  manager: string;
  force: boolean;
  /** Timestamp for the manager's managedFields entry. */
  now: string;
}

export type ApplyOutcome = { object: Json; conflicts: [] } | { object?: undefined; conflicts: StatusCause[] };

/**
 * Server-side apply, simplified: ownership is tracked per field at most two levels deep
 * (`spec.template`, `data.key`, `metadata.labels.key`), and an owned field's value is replaced
 * whole rather than merged structurally (no list merge keys). Otherwise the rules are the real
 * ones: a field another manager owns with a different value is a conflict unless forced (force
 * takes ownership); equal values share ownership; a field this manager set before and no longer
 * sets is removed unless someone else still owns it.
 */
export function serverSideApply(request: ApplyRequest): ApplyOutcome {
  const { existing, config, manager } = request;
  const entries = ((existing?.metadata as Json | undefined)?.managedFields as ManagedFieldsEntry[] | undefined) ?? [];
  const applied = fieldPaths(config);
  const mine = (entry: ManagedFieldsEntry) => entry.manager === manager && entry.operation === 'Apply';

  const conflicts: StatusCause[] = [];
  const others = entries.filter((entry) => !mine(entry)).map((entry) => ({ entry, paths: leafPaths(entry.fieldsV1) }));
  for (const other of others) {
    for (const path of applied) {
      if (!other.paths.some((owned) => isDeepStrictEqual(owned, path))) continue;
      if (isDeepStrictEqual(valueAt(existing, path), valueAt(config, path))) continue;
      if (request.force) {
        other.paths = other.paths.filter((owned) => !isDeepStrictEqual(owned, path));
      } else {
        const using = other.entry.apiVersion ? ` using ${other.entry.apiVersion}` : '';
        conflicts.push({
          reason: 'FieldManagerConflict',
          message: `conflict with "${other.entry.manager}"${using}`,
          field: `.${path.join('.')}`,
        });
      }
    }
  }
  if (conflicts.length > 0) return { conflicts };

  const object = structuredClone(existing ?? {}) as Json;
  object.apiVersion = config.apiVersion;
  object.kind = config.kind;
  const previous = entries.find(mine);
  const ownedByOthers = others.flatMap((other) => other.paths);
  for (const path of previous ? leafPaths(previous.fieldsV1) : []) {
    const stillApplied = applied.some((p) => isDeepStrictEqual(p, path));
    const sharedWithOthers = ownedByOthers.some((p) => isDeepStrictEqual(p, path));
    if (!stillApplied && !sharedWithOthers) removeAt(object, path);
  }
  for (const path of applied) setAt(object, path, structuredClone(valueAt(config, path)));

  const kept = others.filter((other) => other.paths.length > 0).map((other) => ({ ...other.entry, fieldsV1: toFieldsV1(other.paths) }));
  const ownEntry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: String(config.apiVersion),
    time: request.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(applied),
  };
  const metadata = (object.metadata ??= {}) as Json;
  // An apply that changes nothing keeps the old entry, so the stored object stays byte-identical.
  const unchanged =
    existing &&
    previous &&
    isDeepStrictEqual(withoutManagedFields(object), withoutManagedFields(existing)) &&
    isDeepStrictEqual(previous.fieldsV1, ownEntry.fieldsV1);
  metadata.managedFields = [...kept, unchanged ? previous : ownEntry];
  return { object, conflicts: [] };
}

/** The fields an applied configuration sets, at the granularity ownership is tracked. */
export function fieldPaths(config: Json): FieldPath[] {
  const paths: FieldPath[] = [];
  const metadata = (config.metadata ?? {}) as Json;
  for (const map of ['labels', 'annotations']) {
    for (const key of Object.keys((metadata[map] as Json | undefined) ?? {})) paths.push(['metadata', map, key]);
  }
  for (const field of ['ownerReferences', 'finalizers']) if (metadata[field] !== undefined) paths.push(['metadata', field]);
  for (const [field, value] of Object.entries(config)) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(field)) continue;
    if (isPlainObject(value) && Object.keys(value).length > 0) for (const key of Object.keys(value)) paths.push([field, key]);
    else paths.push([field]);
  }
  return paths;
}

/** `[['spec','replicas']]` → `{ 'f:spec': { 'f:replicas': {} } }`, the FieldsV1 encoding. */
export function toFieldsV1(paths: FieldPath[]): Json {
  const root: Json = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) node = (node[`f:${segment}`] ??= {}) as Json;
  }
  return root;
}

function leafPaths(fields: Json, prefix: FieldPath = []): FieldPath[] {
  return Object.entries(fields)
    .filter(([key]) => key.startsWith('f:'))
    .flatMap(([key, child]) => {
      const path = [...prefix, key.slice(2)];
      return isPlainObject(child) && Object.keys(child).length > 0 ? leafPaths(child, path) : [path];
    });
}

function withoutManagedFields(object: Json): Json {
  const metadata = { ...(object.metadata as Json) };
  delete metadata.managedFields;
  return { ...object, metadata };
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(object: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), object);
}

function setAt(object: Json, path: FieldPath, value: unknown): void {
  let node = object;
  for (const key of path.slice(0, -1)) node = (isPlainObject(node[key]) ? node[key] : (node[key] = {})) as Json;
  node[path[path.length - 1]] = value;
}

/** Removes a field, and its parent map if that leaves it empty (no `labels: {}` left behind). */
function removeAt(object: Json, path: FieldPath): void {
  const parent = valueAt(object, path.slice(0, -1));
  if (!isPlainObject(parent)) return;
  delete parent[path[path.length - 1]];
  if (path.length > 1 && Object.keys(parent).length === 0) removeAt(object, path.slice(0, -1));
}
