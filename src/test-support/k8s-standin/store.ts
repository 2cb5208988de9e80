import { apiVersionOf, type ResourceType } from './resources.ts';

/** An object as the stand-in stores it: server-set metadata always present. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One write, kept so a watch can resume from a resourceVersion. */
export interface Change {
  type: WatchEventType;
  resource: ResourceType;
  object: StoredObject;
  revision: number;
}

/** How many changes a watch can resume across; older resourceVersions get 410 Gone, as after etcd compaction. */
const HISTORY = 10_000;

/**
 * The in-memory etcd: objects by resource, namespace and name, one global revision counter that
 * every write bumps (the objects' resourceVersion), and the change history that watches stream.
 */
export class ObjectStore {
  private readonly objects = new Map<string, { resource: ResourceType; object: StoredObject }>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(change: Change) => void>();
  private current = 0;

  get revision(): number {
    return this.current;
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    const entry = this.objects.get(key(resource, namespace, name));
    return entry && structuredClone(entry.object);
  }

  /** Objects of one resource, in one namespace or (undefined) all, in name order. */
  list(resource: ResourceType, namespace?: string): StoredObject[] {
    return [...this.objects.values()]
      .filter((entry) => entry.resource === resource && (namespace === undefined || entry.object.metadata.namespace === namespace))
      .map((entry) => structuredClone(entry.object))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** Creates or replaces an object, giving it the next resourceVersion. */
  put(resource: ResourceType, object: StoredObject): StoredObject {
    const id = key(resource, object.metadata.namespace, object.metadata.name);
    const type = this.objects.has(id) ? 'MODIFIED' : 'ADDED';
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.current);
    this.objects.set(id, { resource, object: stored });
    this.record(type, resource, stored);
    return structuredClone(stored);
  }

  /** Removes an object and, as the garbage collector would, everything it owns. */
  remove(resource: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    const id = key(resource, namespace, name);
    const entry = this.objects.get(id);
    if (!entry) return undefined;
    this.objects.delete(id);
    const removed = structuredClone(entry.object);
    removed.metadata.resourceVersion = String(++this.current);
    this.record('DELETED', resource, removed);
    for (const owned of [...this.objects.values()]) {
      const { metadata } = owned.object;
      if (metadata.namespace === namespace && metadata.ownerReferences?.some((ref) => ref.uid === removed.metadata.uid)) {
        this.remove(owned.resource, metadata.namespace, metadata.name);
      }
    }
    return removed;
  }

  /** Removes every object in a namespace (the namespace controller's job once it is deleted). */
  removeNamespaceContents(namespace: string): void {
    for (const entry of [...this.objects.values()]) {
      if (entry.object.metadata.namespace === namespace) this.remove(entry.resource, namespace, entry.object.metadata.name);
    }
  }

  /** Changes after `revision`, or undefined when the history no longer reaches back that far. */
  changesSince(revision: number): Change[] | undefined {
    const oldest = this.history[0]?.revision ?? this.current + 1;
    if (revision < oldest - 1 && revision < this.current) return undefined;
    return this.history.filter((change) => change.revision > revision);
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(type: WatchEventType, resource: ResourceType, object: StoredObject): void {
    const change = { type, resource, object, revision: this.current };
    this.history.push(change);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(change);
  }
}

function key(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${apiVersionOf(resource)}/${resource.plural}/${namespace ?? ''}/${name}`;
}
