import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, type Requirement } from './selectors.ts';
import { ApiError } from './status.ts';
import type { ObjectStore, StoredObject, WatchEventType } from './store.ts';

export interface WatchRequest {
  resource: ResourceType;
  namespace?: string;
  labels: Requirement[];
  fields: Requirement[];
  /** Unset or "0": start with the current objects as ADDED; otherwise resume after that version. */
  resourceVersion: string | null;
  timeoutSeconds?: number;
}

/**
 * Streams watch events as JSON lines (`{"type":"MODIFIED","object":{...}}`) until the client
 * goes away, `timeoutSeconds` passes or the stand-in closes. A resourceVersion older than the
 * kept history gets an ERROR event with a 410 Expired Status, as after etcd compaction.
 */
export function streamWatch(
  store: ObjectStore,
  watch: WatchRequest,
  req: IncomingMessage,
  res: ServerResponse,
  open: Set<ServerResponse>,
): void {
  const selected = (object: StoredObject) =>
    (watch.namespace === undefined || object.metadata.namespace === watch.namespace) &&
    matchesLabels(object.metadata.labels, watch.labels) &&
    matchesFields(object, watch.fields);
  const send = (type: WatchEventType | 'ERROR', object: object) => res.write(`${JSON.stringify({ type, object })}\n`);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  open.add(res);
  const from = watch.resourceVersion;
  if (!from || from === '0') {
    for (const object of store.list(watch.resource, watch.namespace).filter(selected)) send('ADDED', object);
  } else {
    const changes = store.changesSince(Number(from));
    if (!changes) {
      send('ERROR', new ApiError(410, 'Expired', `too old resource version: ${from} (${store.revision})`).toStatus());
      open.delete(res);
      res.end();
      return;
    }
    for (const change of changes) if (change.resource === watch.resource && selected(change.object)) send(change.type, change.object);
  }
  const unsubscribe = store.subscribe((change) => {
    if (change.resource === watch.resource && selected(change.object)) send(change.type, change.object);
  });
  const timer = watch.timeoutSeconds ? setTimeout(() => res.end(), watch.timeoutSeconds * 1000) : undefined;
  const finish = () => {
    unsubscribe();
    clearTimeout(timer);
    open.delete(res);
  };
  res.on('close', finish);
  req.on('close', finish);
}
