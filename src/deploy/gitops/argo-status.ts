/** The parts of an Argo CD Application's status a deploy waits on (argoproj.io/v1alpha1). */
export interface ArgoApplicationStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string }; operation?: { sync?: { revision?: string } } };
  conditions?: { type?: string; message?: string }[];
}

/** What Argo CD reports about a pushed commit, read from the Application's status. */
export type ArgoVerdict = { kind: 'synced' } | { kind: 'failed'; cause: string; details: string[] } | { kind: 'waiting'; state: string };

/**
 * Judges an Application against the commit a deploy pushed: synced and healthy at that commit is
 * done; a sync of that commit that failed, a SyncError condition, or a Degraded health at that
 * commit is a failure in Argo CD's own words; anything else (an older revision, Progressing) is
 * still waiting. Pure: the caller reads the object and keeps time.
 */
export function argoVerdict(status: ArgoApplicationStatus | undefined, revision: string): ArgoVerdict {
  const state = describeArgoState(status);
  const atRevision = status?.sync?.revision === revision;
  const operation = status?.operationState;
  const operationRevision = operation?.syncResult?.revision ?? operation?.operation?.sync?.revision;
  if (operation && operationRevision === revision && (operation.phase === 'Failed' || operation.phase === 'Error')) {
    return {
      kind: 'failed',
      cause: `the sync ${operation.phase === 'Error' ? 'errored' : 'failed'}: ${operation.message ?? 'no message'}`,
      details: [state],
    };
  }
  const syncError = status?.conditions?.find((condition) => condition.type === 'SyncError');
  if (syncError) return { kind: 'failed', cause: `SyncError: ${syncError.message ?? 'no message'}`, details: [state] };
  if (atRevision && status?.health?.status === 'Degraded') {
    return { kind: 'failed', cause: `health Degraded: ${status.health.message ?? 'no message'}`, details: [state] };
  }
  if (atRevision && status?.sync?.status === 'Synced' && status.health?.status === 'Healthy') return { kind: 'synced' };
  return { kind: 'waiting', state };
}

/** "sync OutOfSync at 1a2b3c4, health Progressing (waiting for rollout)": what Argo CD last said, in one line. */
export function describeArgoState(status: ArgoApplicationStatus | undefined): string {
  if (!status || (!status.sync && !status.health)) return 'no sync status yet';
  const revision = status.sync?.revision ? ` at ${status.sync.revision.slice(0, 12)}` : '';
  const health = status.health?.status
    ? `, health ${status.health.status}${status.health.message ? ` (${status.health.message})` : ''}`
    : '';
  const conditions = (status.conditions ?? []).map((condition) => `; ${condition.type}: ${condition.message ?? ''}`.trimEnd()).join('');
  return `sync ${status.sync?.status ?? 'Unknown'}${revision}${health}${conditions}`;
}
