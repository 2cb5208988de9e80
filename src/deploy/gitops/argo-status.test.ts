import { describe, expect, it } from 'vitest';
import { argoVerdict, describeArgoState, type ArgoApplicationStatus } from './argo-status.ts';

const pushed = 'a'.repeat(40);
const older = 'b'.repeat(40);
const status = (sync: string, revision: string, health: string, message?: string): ArgoApplicationStatus => ({
  sync: { status: sync, revision },
  health: { status: health, ...(message ? { message } : {}) },
});

describe('argoVerdict', () => {
  it('is synced only when the pushed commit is Synced and Healthy', () => {
    expect(argoVerdict(status('Synced', pushed, 'Healthy'), pushed)).toEqual({ kind: 'synced' });
    expect(argoVerdict(status('Synced', older, 'Healthy'), pushed)).toEqual({
      kind: 'waiting',
      state: 'sync Synced at bbbbbbbbbbbb, health Healthy',
    });
    expect(argoVerdict(status('OutOfSync', pushed, 'Healthy'), pushed).kind).toBe('waiting');
    expect(argoVerdict(status('Synced', pushed, 'Progressing', 'Waiting for rollout'), pushed)).toEqual({
      kind: 'waiting',
      state: 'sync Synced at aaaaaaaaaaaa, health Progressing (Waiting for rollout)',
    });
    expect(argoVerdict(undefined, pushed)).toEqual({ kind: 'waiting', state: 'no sync status yet' });
  });

  it("fails in Argo CD's words when the pushed commit is Degraded, its sync failed, or a SyncError is reported", () => {
    expect(argoVerdict(status('Synced', pushed, 'Degraded', 'Deployment "embark-backend" exceeded its progress deadline'), pushed)).toEqual(
      {
        kind: 'failed',
        cause: 'health Degraded: Deployment "embark-backend" exceeded its progress deadline',
        details: ['sync Synced at aaaaaaaaaaaa, health Degraded (Deployment "embark-backend" exceeded its progress deadline)'],
      },
    );
    // A Degraded health of an older commit is not this release's.
    expect(argoVerdict(status('Synced', older, 'Degraded', 'old'), pushed).kind).toBe('waiting');
    const failedSync: ArgoApplicationStatus = {
      ...status('OutOfSync', older, 'Healthy'),
      operationState: { phase: 'Failed', message: 'one or more objects failed to apply', syncResult: { revision: pushed } },
    };
    expect(argoVerdict(failedSync, pushed)).toMatchObject({
      kind: 'failed',
      cause: 'the sync failed: one or more objects failed to apply',
    });
    const syncError: ArgoApplicationStatus = {
      ...status('Unknown', older, 'Healthy'),
      conditions: [{ type: 'SyncError', message: 'Failed sync attempt: kustomize build failed' }],
    };
    expect(argoVerdict(syncError, pushed)).toMatchObject({
      kind: 'failed',
      cause: 'SyncError: Failed sync attempt: kustomize build failed',
    });
  });

  it('describes what Argo CD last said in one line, conditions included', () => {
    expect(
      describeArgoState({
        ...status('OutOfSync', older, 'Missing'),
        conditions: [{ type: 'ComparisonError', message: 'repository not accessible' }],
      }),
    ).toBe('sync OutOfSync at bbbbbbbbbbbb, health Missing; ComparisonError: repository not accessible');
  });
});
