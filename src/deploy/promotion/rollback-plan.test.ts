import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureFrom } from '../../test-support/failure-of.ts';
import { deployFailed, deployStable, rollBackStable, tempStore, v110, v120, v130 } from '../../test-support/promotion-fixtures.ts';
import { planRollback } from './rollback-plan.ts';
import type { PromotionStore } from './store.ts';

const environments = ['nonprod', 'staging', 'prod'];
let store: PromotionStore;
let cleanup: () => void;
beforeEach(() => ({ store, cleanup } = tempStore()));
afterEach(() => cleanup());

const plan = (environment: string, to?: string) => planRollback(environments, store.history(environment, to), { environment, to });
const refusal = (environment: string, to?: string) => failureFrom(() => plan(environment, to));

describe('planRollback', () => {
  it('goes back from what runs to the newest earlier release that was stable there', () => {
    for (const release of ['v1.1.0', 'v1.2.0', 'v1.3.0']) deployStable(store, 'prod', release);
    expect(plan('prod')).toEqual({ environment: 'prod', from: v130, to: v120 });
  });

  it('goes back from a release that runs but failed its checks', () => {
    deployStable(store, 'prod', 'v1.1.0');
    deployStable(store, 'prod', 'v1.2.0');
    deployFailed(store, 'prod', 'v1.3.0', { afterLive: true });
    expect(plan('prod')).toEqual({ environment: 'prod', from: v130, to: v120 });
  });

  it('passes over a release that was rolled back, and one stable only elsewhere', () => {
    for (const release of ['v1.1.0', 'v1.2.0', 'v1.3.0']) deployStable(store, 'prod', release);
    rollBackStable(store, { environment: 'prod', from: 'v1.3.0', to: 'v1.2.0', by: 'ana', reason: 'checkout 500s' });
    deployStable(store, 'staging', 'v1.2.0');
    expect(plan('prod')).toEqual({ environment: 'prod', from: v120, to: v110 });
    expect(refusal('prod', 'v1.3.0').specific).toBe('v1.3.0 was itself rolled back in prod by ana: checkout 500s');
  });

  it('goes back to the release named with --to, when it was stable there', () => {
    for (const release of ['v1.1.0', 'v1.2.0', 'v1.3.0']) deployStable(store, 'prod', release);
    expect(plan('prod', 'v1.1.0')).toEqual({ environment: 'prod', from: v130, to: v110 });
  });

  it('lists the environments for an unknown one', () => {
    const failure = refusal('qa');
    expect(failure.specific).toBe('unknown environment "qa"');
    expect(failure.details).toEqual(['known environments: nonprod, staging, prod']);
    expect(failure.hint).toBe('roll back one of the environments in the configuration\'s "environments"');
  });

  it('says when nothing runs in the environment', () => {
    deployStable(store, 'staging', 'v1.1.0');
    const failure = refusal('prod');
    expect(failure.specific).toBe('nothing runs in prod: there is no release to roll back');
    expect(failure.details).toEqual(['no release was ever deployed to prod']);
    expect(failure.hint).toContain('deploy one first');
  });

  it('says which releases the environment ran when none before the live one was stable there', () => {
    deployStable(store, 'prod', 'v1.1.0');
    deployFailed(store, 'prod', 'v1.2.0');
    deployStable(store, 'prod', 'v1.3.0');
    rollBackStable(store, { environment: 'prod', from: 'v1.3.0', to: 'v1.1.0', by: 'ana', reason: 'slow' });
    const failure = refusal('prod');
    expect(failure.specific).toBe('no release before v1.1.0 was stable in prod: there is nothing to roll back to');
    expect(failure.details).toEqual(['releases in prod: v1.3.0 (rolled back), v1.2.0 (failed), v1.1.0 (stable)']);
    expect(failure.hint).toBe('fix v1.1.0 with a newer release instead, or name a release with --to');
  });

  it('refuses a --to that is unknown, never stable there, or what runs now', () => {
    deployStable(store, 'prod', 'v1.2.0');
    deployStable(store, 'prod', 'v1.3.0');
    deployStable(store, 'nonprod', 'v1.1.0');

    const unknown = refusal('prod', 'v9.9.9');
    expect(unknown.specific).toBe('unknown release v9.9.9');
    expect(unknown.details).toEqual(['releases stable in prod: v1.2.0']);

    const elsewhere = refusal('prod', 'v1.1.0');
    expect(elsewhere.specific).toBe('v1.1.0 was never stable in prod: it never ran there');
    expect(elsewhere.details).toEqual(['releases stable in prod: v1.2.0']);
    expect(elsewhere.hint).toBe('a rollback only puts back a release that proved stable in that environment');

    const current = refusal('prod', 'v1.3.0');
    expect(current.specific).toBe('v1.3.0 is what runs in prod now: rolling back to it changes nothing');
    expect(current.hint).toBe('name an earlier release that was stable in prod with --to, or leave --to out for the one before v1.3.0');
  });

  it('names where a --to release stands when it ran there without proving stable', () => {
    deployFailed(store, 'prod', 'v1.1.0');
    deployStable(store, 'prod', 'v1.3.0');
    const failure = refusal('prod', 'v1.1.0');
    expect(failure.specific).toBe('v1.1.0 was never stable in prod: it is failed there');
    expect(failure.details).toEqual(['no other release was stable in prod']);
  });
});
