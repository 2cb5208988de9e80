import type { KubeObject } from '../manifests/types.ts';
import { callApi } from './api-failure.ts';
import { applyObject, deleteAll } from './apply.ts';
import type { KubeClient } from './client.ts';
import { recordConfigMap, recordOf, recordsBeyond, type RevisionRecord } from './history-record.ts';
import { HISTORY } from '../manifests/labels.ts';

/** Every revision record in the namespace, oldest first. */
export async function revisionHistory(client: KubeClient, namespace: string): Promise<RevisionRecord[]> {
  const list = await callApi(client, `list the revision history in ${namespace}`, () =>
    client.core.listNamespacedConfigMap({ namespace, labelSelector: HISTORY }),
  );
  return list.items
    .map((configMap) => recordOf({ metadata: { namespace }, data: configMap.data }))
    .filter((record): record is RevisionRecord => record !== undefined)
    .sort((a, b) => a.revision - b.revision);
}

/** Writes (or rewrites, on a status change) a revision record. */
export async function saveRevision(client: KubeClient, record: RevisionRecord, fieldManager: string): Promise<void> {
  await applyObject(client, recordConfigMap(record), fieldManager);
}

/** Deletes the oldest records beyond `historyMax`; returns the revisions deleted. */
export async function trimHistory(client: KubeClient, records: RevisionRecord[], historyMax: number): Promise<number[]> {
  const beyond = recordsBeyond(records, historyMax);
  await deleteAll(client, beyond.map(recordConfigMap) as KubeObject[]);
  return beyond.map((record) => record.revision);
}
