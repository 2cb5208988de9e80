import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureFrom } from '../../test-support/failure-of.ts';
import { deployStable, tempStore, v110, v120, v130 } from '../../test-support/promotion-fixtures.ts';
import { PromotionStore } from './store.ts';

let store: PromotionStore;
let path: string;
let cleanup: () => void;
beforeEach(() => ({ store, path, cleanup } = tempStore()));
afterEach(() => cleanup());

const here = { pid: process.pid, host: 'test' };
const alive = () => true;

describe('PromotionStore', () => {
  it('records a deploy from queued to stable, with the digests and times, durably', () => {
    const claim = store.claimLease('nonprod', 'v1.2.0', here, 60_000, alive);
    expect(claim.kind).toBe('held');
    expect(store.record('nonprod', 'v1.2.0')).toMatchObject({ status: 'queued', digests: v120.digests });
    expect(store.markDeploying('nonprod', 'v1.2.0').startedAt).toBeDefined();
    expect(store.live('nonprod')).toBeUndefined();
    store.markLive('nonprod', 'v1.2.0');
    expect(store.live('nonprod')).toEqual(v120);
    const stable = store.markStable('nonprod', 'v1.2.0');
    expect(stable).toMatchObject({ environment: 'nonprod', release: 'v1.2.0', status: 'stable' });
    expect(stable.liveAt! <= stable.finishedAt!).toBe(true);

    store.close();
    store = new PromotionStore(path);
    expect(store.view('v1.2.0', ['nonprod', 'staging'])).toEqual({
      release: v120,
      environments: {
        nonprod: { record: stable, live: v120, newestOther: undefined, approval: undefined },
        staging: { record: undefined, live: undefined, newestOther: undefined, approval: undefined },
      },
    });
  });

  it('refuses a tag that names other images than the verified ones', () => {
    const failure = failureFrom(() => store.recordRelease({ ...v120, digests: { ...v120.digests, backend: 'sha256:rebuilt' } }));
    expect(failure.specific).toBe('v1.2.0 is not the release that was verified');
    expect(failure.details).toEqual(['backend: verified sha256:backend-v1.2.0, given sha256:rebuilt']);
    expect(failure.hint).toBe('promotion deploys exactly the verified images; cut a new release instead of reusing v1.2.0');
    expect(() => store.recordRelease(v120)).not.toThrow();
  });

  it('only lets the lease holder start deploying, and only in order', () => {
    expect(() => store.markAwaitingApproval('staging', 'v1.2.0')).not.toThrow();
    expect(() => store.markDeploying('staging', 'v1.2.0')).toThrow(
      'v1.2.0 cannot start deploying to staging: nobody holds its deploy lease',
    );
    store.claimLease('staging', 'v1.2.0', here, 60_000, alive);
    store.markDeploying('staging', 'v1.2.0');
    expect(() => store.markStable('staging', 'v1.2.0')).toThrow('cannot mark v1.2.0 stable in staging: it is deploying (expected live)');
    expect(() => store.markLive('prod', 'v1.2.0')).toThrow('cannot mark v1.2.0 live in prod: it is not there (expected deploying)');
  });

  it('supersedes an older release still waiting when a newer one asks for the environment', () => {
    expect(store.markAwaitingApproval('staging', 'v1.2.0').status).toBe('awaiting-approval');
    expect(store.markAwaitingApproval('staging', 'v1.3.0').status).toBe('awaiting-approval');
    expect(store.record('staging', 'v1.2.0')).toMatchObject({ status: 'superseded', supersededBy: 'v1.3.0' });
    expect(store.claimLease('staging', 'v1.2.0', here, 60_000, alive)).toEqual({ kind: 'superseded', by: 'v1.3.0' });
    expect(store.markAwaitingApproval('staging', 'v1.1.0')).toMatchObject({ status: 'superseded', supersededBy: 'v1.3.0' });
  });

  it('never lets an older release replace a newer one that runs there', () => {
    deployStable(store, 'nonprod', 'v1.3.0');
    expect(store.claimLease('nonprod', 'v1.2.0', here, 60_000, alive)).toEqual({ kind: 'superseded', by: 'v1.3.0' });
    expect(store.view('v1.2.0', ['nonprod'])!.environments.nonprod).toMatchObject({
      record: { status: 'superseded', supersededBy: 'v1.3.0' },
      live: v130,
      newestOther: v130,
    });
  });

  it('puts the previous release back as live when a release is rolled back', () => {
    deployStable(store, 'nonprod', 'v1.1.0');
    const claim = store.claimLease('nonprod', 'v1.2.0', here, 60_000, alive);
    store.markDeploying('nonprod', 'v1.2.0');
    store.markLive('nonprod', 'v1.2.0');
    expect(store.live('nonprod')?.tag).toBe('v1.2.0');
    expect(store.markRolledBack('nonprod', 'v1.2.0', 'Release not stable: 3 restarts > 0')).toMatchObject({
      status: 'rolled-back',
      detail: 'Release not stable: 3 restarts > 0',
    });
    expect(store.live('nonprod')).toEqual(v110);
    if (claim.kind === 'held') store.dropLease('nonprod', claim.token);
    expect(store.lease('nonprod')).toBeUndefined();
  });

  it('marks a deploy failed without changing what runs, and lets it be queued again', () => {
    deployStable(store, 'nonprod', 'v1.1.0');
    const first = store.claimLease('nonprod', 'v1.2.0', here, 60_000, alive);
    store.markDeploying('nonprod', 'v1.2.0');
    store.markFailed('nonprod', 'v1.2.0', 'Failed to deploy to nonprod env: rollout timed out');
    expect(store.live('nonprod')).toEqual(v110);
    if (first.kind === 'held') store.dropLease('nonprod', first.token);
    expect(store.claimLease('nonprod', 'v1.2.0', here, 60_000, alive).kind).toBe('held');
    expect(store.record('nonprod', 'v1.2.0')).toMatchObject({ status: 'queued', detail: undefined });
  });

  it('frees the lease of a dead holder and marks its interrupted deploy failed', () => {
    store.claimLease('staging', 'v1.2.0', { pid: 4242, host: 'runner-1' }, 60_000, alive);
    store.markDeploying('staging', 'v1.2.0');
    expect(store.claimLease('staging', 'v1.3.0', here, 60_000, alive)).toMatchObject({
      kind: 'busy',
      lease: { release: 'v1.2.0', pid: 4242, host: 'runner-1' },
    });
    const claim = store.claimLease('staging', 'v1.3.0', here, 60_000, (holder) => holder.pid !== 4242);
    expect(claim.kind).toBe('held');
    expect(store.record('staging', 'v1.2.0')).toMatchObject({
      status: 'failed',
      detail: 'deploy interrupted: its deploy process 4242 on runner-1 ended',
    });
    expect(store.lease('staging')).toMatchObject({ release: 'v1.3.0', pid: process.pid, host: 'test' });
  });

  it('frees a lease whose heartbeat stopped, whatever the holder looks like', async () => {
    store.claimLease('staging', 'v1.2.0', { pid: 4242, host: 'runner-1' }, 20, alive);
    store.markDeploying('staging', 'v1.2.0');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(store.claimLease('staging', 'v1.3.0', here, 60_000, alive).kind).toBe('held');
    expect(store.record('staging', 'v1.2.0')?.detail).toBe(
      'deploy interrupted: its deploy lease expired without a heartbeat from process 4242 on runner-1',
    );
  });

  it('keeps the first approval', () => {
    const first = store.addApproval({ environment: 'prod', release: 'v1.2.0', by: 'ana', at: '2026-03-05T10:00:00.000Z' });
    expect(first).toEqual({
      approval: { environment: 'prod', release: 'v1.2.0', by: 'ana', at: '2026-03-05T10:00:00.000Z' },
      alreadyApproved: false,
    });
    const second = store.addApproval({ environment: 'prod', release: 'v1.2.0', by: 'bo', at: '2026-03-06T10:00:00.000Z' });
    expect(second).toEqual({ approval: first.approval, alreadyApproved: true });
  });

  it('lists the newest releases first', () => {
    expect(store.releases().map((release) => release.tag)).toEqual(['v1.3.0', 'v1.2.0', 'v1.1.0']);
    expect(store.releases(1)).toEqual([v130]);
  });
});
