import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { openDatabase } from '../../shared/state/sqlite.ts';
import { failureOf } from '../../test-support/failure-of.ts';
import { deployStable, manifestOf, tempStore, v110, v120, v130 } from '../../test-support/promotion-fixtures.ts';
import { enterFirstEnvironment } from './first-environment.ts';
import { planPromotion } from './plan.ts';
import { driveRollback } from './rollback.ts';
import { PromotionStore } from './store.ts';
import type { EnvironmentChange, EnvironmentGate } from './types.ts';

const gates: EnvironmentGate[] = [
  { name: 'nonprod', gate: 'auto', stableOnly: false },
  { name: 'staging', gate: 'auto', stableOnly: false },
  { name: 'prod', gate: 'manual', stableOnly: true },
];
const names = gates.map((gate) => gate.name);
let store: PromotionStore;
let path: string;
let cleanup: () => void;
let changes: string[];
beforeEach(() => {
  ({ store, path, cleanup } = tempStore());
  for (const environment of names) {
    deployStable(store, environment, 'v1.1.0');
    deployStable(store, environment, 'v1.2.0');
  }
  changes = [];
  store.onChange = (change: EnvironmentChange) =>
    changes.push(`${change.record.release} ${change.record.status}${change.url ? ` at ${change.url}` : ''}: ${change.record.detail ?? ''}`);
});
afterEach(() => cleanup());

const rollback = { by: 'ana', reason: 'checkout answers 500' };
const plan = { environment: 'prod', from: v120, to: v110 };

describe('driveRollback', () => {
  it('puts the earlier release back as a deploy, and withdraws the one it took out, for good', async () => {
    const held: string[] = [];
    await driveRollback({
      store,
      plan,
      ...rollback,
      deploy: async (live) => {
        held.push(store.lease('prod')!.release);
        live('http://prod.test/');
      },
    });
    expect(held).toEqual(['v1.1.0']);
    expect(store.lease('prod')).toBeUndefined();
    // Each transition is a change the forge mirrors (GitHub deployment statuses).
    expect(changes).toEqual([
      'v1.1.0 deploying: rollback from v1.2.0 by ana: checkout answers 500',
      'v1.1.0 live at http://prod.test/: rollback from v1.2.0 by ana: checkout answers 500',
      'v1.2.0 rolled-back: rolled back by ana: checkout answers 500',
      'v1.1.0 stable: rollback from v1.2.0 by ana: checkout answers 500',
    ]);

    store.close();
    store = new PromotionStore(path);
    expect(store.live('prod')).toEqual(v110);
    expect(store.live('staging')).toEqual(v120);
    expect(store.record('prod', 'v1.2.0')).toMatchObject({ status: 'rolled-back', detail: 'rolled back by ana: checkout answers 500' });
    expect(store.record('prod', 'v1.1.0')?.status).toBe('stable');
    expect(store.withdrawal('v1.2.0')).toMatchObject({ release: 'v1.2.0', environment: 'prod', replacedBy: 'v1.1.0', ...rollback });
    const reason = 'v1.2.0 was rolled back in prod by ana (to v1.1.0): checkout answers 500; release a fix as a newer release';
    expect(planPromotion(gates, store.view('v1.2.0', names)!, { retryFailed: true })).toEqual({
      kind: 'blocked',
      environment: 'prod',
      reason,
    });
    // Withdrawn everywhere: an environment it never entered does not get it either.
    const elsewhere = [gates[0], gates[1], { name: 'dr', gate: 'auto' as const, stableOnly: false }];
    expect(planPromotion(elsewhere, store.view('v1.2.0', ['nonprod', 'staging', 'dr'])!, { retryFailed: true })).toEqual({
      kind: 'blocked',
      environment: 'dr',
      reason,
    });
  });

  it('tells the forge why the release was rolled back, with its rolled-back state', async () => {
    const told: EnvironmentChange[] = [];
    store.onChange = (change) => told.push(change);
    await driveRollback({ store, plan, ...rollback, deploy: async (live) => live('http://prod.test/') });
    const rolledBack = told.filter((change) => change.record.status === 'rolled-back');
    expect(rolledBack.map((change) => change.withdrawal)).toEqual([store.withdrawal('v1.2.0')]);
    expect(rolledBack[0].withdrawal).toMatchObject({ release: 'v1.2.0', environment: 'prod', replacedBy: 'v1.1.0', ...rollback });
    expect(told.filter((change) => change.withdrawal).length).toBe(1);
  });

  it("keeps a rolled-back release out of a run's own environment too", async () => {
    await driveRollback({ store, plan, ...rollback, deploy: async (live) => live('http://prod.test/') });
    const failure = await failureOf(
      enterFirstEnvironment({ store, gates, environment: 'nonprod', release: manifestOf(v120), onStep: () => {} }),
    );
    expect(failure.specific).toBe('v1.2.0 was rolled back in prod by ana: checkout answers 500');
    expect(failure.details).toEqual(['prod went back to v1.1.0']);
    expect(failure.hint).toBe('a rolled-back release is never deployed again: release the fix as a newer release (merge it to main)');
    expect(store.lease('nonprod')).toBeUndefined();
  });

  it('lets a newer release in after a rollback, as usual', async () => {
    await driveRollback({ store, plan, ...rollback, deploy: async (live) => live('http://prod.test/') });
    deployStable(store, 'nonprod', 'v1.3.0');
    expect(store.live('nonprod')).toEqual(v130);
    deployStable(store, 'prod', 'v1.3.0');
    expect(store.live('prod')).toEqual(v130);
  });

  it('refuses to start once another deploy changed what runs there', async () => {
    const failure = await failureOf(
      driveRollback({ store, plan: { environment: 'prod', from: v130, to: v110 }, ...rollback, deploy: async () => {} }),
    );
    expect(failure.specific).toBe('prod now runs v1.2.0, not v1.3.0: nothing was rolled back');
    expect(failure.hint).toContain('slipway env status prod');
    expect(store.lease('prod')).toBeUndefined();
    expect(store.record('prod', 'v1.1.0')?.status).toBe('stable');
    expect(changes).toEqual([]);
  });

  it("says a deploy that failed left the bad release running, and changes nothing but the attempt's record", async () => {
    const failure = await failureOf(
      driveRollback({
        store,
        plan,
        ...rollback,
        deploy: async () => {
          throw new Failure('deployment embark-backend never became ready; rolled back to revision 2 (v1.2.0)', {
            details: ['Readiness probe failed'],
          });
        },
      }),
    );
    expect(failure.specific).toBe(
      'prod: v1.1.0 could not be deployed: deployment embark-backend never became ready; rolled back to revision 2 (v1.2.0)',
    );
    expect(failure.details).toEqual(['prod still runs v1.2.0: nothing was rolled back', 'Readiness probe failed']);
    expect(failure.hint).toBe('run slipway rollback prod again once the cause is fixed, or name another release with --to');
    expect(store.live('prod')).toEqual(v120);
    expect(store.withdrawal('v1.2.0')).toBeUndefined();
    expect(store.record('prod', 'v1.2.0')?.status).toBe('stable');
    expect(store.record('prod', 'v1.1.0')).toMatchObject({ status: 'failed' });
    expect(store.record('prod', 'v1.1.0')?.detail).toMatch(/^rollback from v1.2.0 failed: deployment embark-backend never became ready/);
    expect(store.lease('prod')).toBeUndefined();
    // It may be tried again: it was stable there once.
    expect(store.history('prod').stable.map((release) => release.tag)).toEqual(['v1.2.0', 'v1.1.0']);
  });

  it('says a release that went back in but failed its checks runs now, and the bad one stays out', async () => {
    const failure = await failureOf(
      driveRollback({
        store,
        plan,
        ...rollback,
        deploy: async (live) => {
          live('http://prod.test/');
          throw new Failure('home page: expected 200, got 502', { hint: 'look at the frontend logs' });
        },
      }),
    );
    expect(failure.specific).toBe('prod: v1.1.0 went back in but did not prove stable: home page: expected 200, got 502');
    expect(failure.details).toEqual(['prod runs v1.1.0 now; v1.2.0 stays rolled back and withdrawn']);
    expect(failure.hint).toBe(
      'look at the frontend logs; roll back further (slipway rollback prod --to <an older release>) or release a fix',
    );
    expect(store.live('prod')).toEqual(v110);
    expect(store.record('prod', 'v1.1.0')?.status).toBe('failed');
    expect(store.withdrawal('v1.2.0')?.replacedBy).toBe('v1.1.0');
  });

  it('passes a Slipway error on as it is', async () => {
    const error = await driveRollback({
      store,
      plan,
      ...rollback,
      deploy: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(store.record('prod', 'v1.1.0')?.status).toBe('failed');
  });
});

describe('PromotionStore rollback records', () => {
  it('only lets the holder of the lease start a rollback', () => {
    expect(() => store.startRollback({ environment: 'prod', from: 'v1.2.0', to: 'v1.1.0', ...rollback })).toThrow(
      'v1.1.0 cannot start deploying to prod: nobody holds its deploy lease',
    );
  });

  it('gives a rollback the lease though a newer release runs there, and queues nothing', () => {
    const claim = store.claimLease('prod', 'v1.1.0', { pid: process.pid, host: 'test' }, 60_000, () => true, 'rollback');
    expect(claim.kind).toBe('held');
    expect(store.record('prod', 'v1.1.0')?.status).toBe('stable');
    const promotion = store.claimLease('staging', 'v1.1.0', { pid: process.pid, host: 'test' }, 60_000, () => true);
    expect(promotion).toEqual({ kind: 'superseded', by: 'v1.2.0' });
  });

  it('frees an environment whose rollback died mid-deploy, and lets the rollback be run again', () => {
    const dead = { pid: 999_999, host: 'elsewhere' };
    const claim = store.claimLease('prod', 'v1.1.0', dead, 60_000, () => true, 'rollback');
    expect(claim.kind).toBe('held');
    store.startRollback({ environment: 'prod', from: 'v1.2.0', to: 'v1.1.0', ...rollback });
    // The next claim finds the holder gone: its deploy is marked failed, what ran still runs.
    const next = store.claimLease('prod', 'v1.1.0', { pid: process.pid, host: 'test' }, 60_000, () => false, 'rollback');
    expect(next.kind).toBe('held');
    expect(store.record('prod', 'v1.1.0')?.detail).toBe('deploy interrupted: its deploy process 999999 on elsewhere ended');
    expect(store.live('prod')).toEqual(v120);
    expect(store.withdrawal('v1.2.0')).toBeUndefined();
    expect(store.history('prod').stable.map((release) => release.tag)).toEqual(['v1.2.0', 'v1.1.0']);
    expect(store.startRollback({ environment: 'prod', from: 'v1.2.0', to: 'v1.1.0', ...rollback }).status).toBe('deploying');
  });

  it('remembers what was stable in a store from before the stable history', () => {
    store.close();
    // As a store written before rollbacks existed: its history table empty.
    const raw = openDatabase(path);
    raw.exec('DELETE FROM stable_history');
    raw.close();
    store = new PromotionStore(path);
    expect(store.history('prod').stable).toEqual([v120, v110]);
  });
});
