import type { KubeObject } from '../manifests/types.ts';
import { HISTORY, labelValue, MANAGED_BY, MANAGER, PART_OF, REVISION, STATUS } from '../manifests/labels.ts';

/**
 * - deployed: live now (the latest successful deploy);
 * - superseded: was live, replaced by a later successful deploy;
 * - rolled-back: failed, and the environment went back to the revision before it;
 * - failed: failed with nothing to go back to (its objects removed), or the rollback failed too.
 */
export type RevisionStatus = 'deployed' | 'superseded' | 'rolled-back' | 'failed';

/** One deploy of a release to an environment, as kept in the cluster. */
export interface RevisionRecord {
  revision: number;
  project: string;
  environment: string;
  namespace: string;
  /** The release tag, e.g. "v1.5.0". */
  release: string;
  version: string;
  commit: string;
  /** ISO time the deploy started. */
  time: string;
  status: RevisionStatus;
  /** Why it failed, for failed and rolled-back revisions. */
  reason?: string;
  /** The objects applied, Secrets left out (their values must not sit in a ConfigMap). */
  objects: KubeObject[];
}

/** `<project>-revision-<n>`: one ConfigMap per revision. */
export function recordName(project: string, revision: number): string {
  return `${project}-revision-${revision}`;
}

/** The ConfigMap holding a revision record: labelled as history, so no prune touches it. */
export function recordConfigMap(record: RevisionRecord): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(record.project, record.revision),
      namespace: record.namespace,
      labels: {
        [MANAGED_BY]: MANAGER,
        [PART_OF]: record.project,
        [HISTORY]: 'revision',
        [REVISION]: String(record.revision),
        [STATUS]: labelValue(record.status),
      },
    },
    data: {
      revision: String(record.revision),
      project: record.project,
      environment: record.environment,
      release: record.release,
      version: record.version,
      commit: record.commit,
      time: record.time,
      status: record.status,
      ...(record.reason ? { reason: record.reason } : {}),
      'objects.json': JSON.stringify(record.objects.filter((object) => object.kind !== 'Secret')),
    },
  };
}

/** A record read back, or undefined for a ConfigMap that is not one (hand-made, truncated). */
export function recordOf(configMap: { metadata?: { namespace?: string }; data?: Record<string, string> }): RevisionRecord | undefined {
  const data = configMap.data ?? {};
  const revision = Number(data.revision);
  if (!Number.isInteger(revision) || revision < 1 || !data.project || !data['objects.json']) return undefined;
  let objects: KubeObject[];
  try {
    objects = JSON.parse(data['objects.json']) as KubeObject[];
  } catch {
    return undefined;
  }
  return {
    revision,
    project: data.project,
    environment: data.environment ?? '',
    namespace: configMap.metadata?.namespace ?? '',
    release: data.release ?? '',
    version: data.version ?? '',
    commit: data.commit ?? '',
    time: data.time ?? '',
    status: data.status as RevisionStatus,
    ...(data.reason ? { reason: data.reason } : {}),
    objects,
  };
}

/**
 * The records to delete so at most `historyMax` remain: the oldest first, but never the one
 * that is deployed, which the next failed deploy rolls back to.
 */
export function recordsBeyond(records: RevisionRecord[], historyMax: number): RevisionRecord[] {
  const newestFirst = [...records].sort((a, b) => b.revision - a.revision);
  const live = newestFirst.find((record) => record.status === 'deployed');
  const kept = new Set(newestFirst.slice(0, Math.max(1, historyMax)).map((record) => record.revision));
  if (live && !kept.has(live.revision)) {
    const drop = newestFirst.slice(0, Math.max(1, historyMax)).at(-1)!;
    kept.delete(drop.revision);
    kept.add(live.revision);
  }
  return newestFirst.filter((record) => !kept.has(record.revision)).reverse();
}
