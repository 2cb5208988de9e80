import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureFrom } from '../../test-support/failure-of.ts';
import { approve } from './approve.ts';
import { deployStable, releaseOn, rollBackStable, tempStore } from '../../test-support/promotion-fixtures.ts';
import type { PromotionStore } from './store.ts';
import type { Gate } from './types.ts';

const environments: Record<string, { gate: Gate; stableOnly?: boolean }> = {
  nonprod: { gate: 'auto' },
  staging: { gate: 'manual' },
  prod: { gate: 'manual' },
};

let store: PromotionStore;
let cleanup: () => void;
beforeEach(() => ({ store, cleanup } = tempStore()));
afterEach(() => cleanup());

describe('approve', () => {
  it('records who approved a release stable in the environment before, once', () => {
    deployStable(store, 'nonprod', 'v1.2.0');
    const first = approve(store, environments, 'staging', 'v1.2.0', 'ana');
    expect(first).toMatchObject({ approval: { environment: 'staging', release: 'v1.2.0', by: 'ana' }, alreadyApproved: false });
    expect(approve(store, environments, 'staging', 'v1.2.0', 'bo')).toEqual({ approval: first.approval, alreadyApproved: true });
    expect(store.approval('staging', 'v1.2.0')).toEqual(first.approval);
  });

  it('names the approver after the user by default', () => {
    deployStable(store, 'nonprod', 'v1.2.0');
    const user = process.env.USER;
    process.env.USER = 'release-manager';
    try {
      expect(approve(store, environments, 'staging', 'v1.2.0').approval.by).toBe('release-manager');
    } finally {
      process.env.USER = user;
    }
  });

  it('lists the known environments for an unknown one', () => {
    const failure = failureFrom(() => approve(store, environments, 'qa', 'v1.2.0'));
    expect(failure.specific).toBe('unknown environment "qa"');
    expect(failure.details).toEqual(['known environments: nonprod, staging, prod']);
  });

  it('explains that an automatic gate needs no approval', () => {
    const failure = failureFrom(() => approve(store, environments, 'nonprod', 'v1.2.0'));
    expect(failure.specific).toBe('nonprod has an automatic gate: there is nothing to approve');
    expect(failure.hint).toBe("v1.2.0 enters nonprod as soon as a run deploys it; set gate: 'manual' on nonprod to require an approval");
    const auto = { ...environments, staging: { gate: 'auto' as const } };
    expect(failureFrom(() => approve(store, auto, 'staging', 'v1.2.0')).hint).toBe(
      "v1.2.0 enters staging as soon as it is stable in nonprod; set gate: 'manual' on staging to require an approval",
    );
  });

  it('refuses a prerelease for prod, which takes stable releases only, and says how to release the stable version', () => {
    store.recordRelease(releaseOn('v1.4.0-rc.0', 4));
    deployStable(store, 'nonprod', 'v1.4.0-rc.0');
    approve(store, environments, 'staging', 'v1.4.0-rc.0', 'ana');
    deployStable(store, 'staging', 'v1.4.0-rc.0');
    const failure = failureFrom(() => approve(store, environments, 'prod', 'v1.4.0-rc.0', 'ana'));
    expect(failure.specific).toBe('v1.4.0-rc.0 is a prerelease, and prod takes stable releases only');
    expect(failure.hint).toContain('changeset pre exit');
    expect(store.approval('prod', 'v1.4.0-rc.0')).toBeUndefined();
    const prodTakesAll = { ...environments, prod: { gate: 'manual' as const, stableOnly: false } };
    expect(approve(store, prodTakesAll, 'prod', 'v1.4.0-rc.0', 'ana').alreadyApproved).toBe(false);
  });

  it('lists the newest releases for an unknown one', () => {
    const failure = failureFrom(() => approve(store, environments, 'staging', 'v9.9.9'));
    expect(failure.specific).toBe('unknown release v9.9.9');
    expect(failure.details).toEqual(['newest releases: v1.3.0, v1.2.0, v1.1.0']);
  });

  it('says where a release is when it is not stable in the environment before', () => {
    let failure = failureFrom(() => approve(store, environments, 'staging', 'v1.2.0'));
    expect(failure.specific).toBe('v1.2.0 is not stable in nonprod: it has not been deployed there');
    expect(failure.details).toEqual(['nonprod: not deployed', 'staging: not deployed', 'prod: not deployed']);
    expect(failure.hint).toBe('approve v1.2.0 for staging once it is stable in nonprod');

    const claim = store.claimLease('nonprod', 'v1.2.0', { pid: process.pid, host: 'test' }, 60_000, () => true);
    store.markDeploying('nonprod', 'v1.2.0');
    store.markLive('nonprod', 'v1.2.0');
    expect(failureFrom(() => approve(store, environments, 'staging', 'v1.2.0')).specific).toBe(
      'v1.2.0 is not stable in nonprod: it is live there; its stability is not judged yet',
    );
    store.markFailed('nonprod', 'v1.2.0', 'Release not stable: error rate 12.5 % > 0 %');
    failure = failureFrom(() => approve(store, environments, 'staging', 'v1.2.0'));
    expect(failure.specific).toBe('v1.2.0 is not stable in nonprod: it failed there: Release not stable: error rate 12.5 % > 0 %');
    expect(failure.details).toEqual(['nonprod: failed', 'staging: not deployed', 'prod: not deployed']);
    if (claim.kind === 'held') store.dropLease('nonprod', claim.token);
    expect(failureFrom(() => approve(store, environments, 'prod', 'v1.2.0')).specific).toBe(
      'v1.2.0 is not stable in staging: it has not been deployed there',
    );
  });

  it('refuses a release that a newer one superseded, pointing at the newer one', () => {
    deployStable(store, 'nonprod', 'v1.1.0');
    deployStable(store, 'nonprod', 'v1.2.0');
    store.markAwaitingApproval('staging', 'v1.2.0');
    deployStable(store, 'nonprod', 'v1.3.0');
    store.markAwaitingApproval('staging', 'v1.3.0');
    let failure = failureFrom(() => approve(store, environments, 'staging', 'v1.2.0'));
    expect(failure.specific).toBe('v1.2.0 is superseded in staging by v1.3.0');
    expect(failure.hint).toBe('approve the newer release instead: slipway approve staging v1.3.0');

    deployStable(store, 'staging', 'v1.3.0');
    failure = failureFrom(() => approve(store, environments, 'staging', 'v1.1.0'));
    expect(failure.specific).toBe('v1.1.0 is superseded in staging by v1.3.0');
    expect(failure.hint).toBe('staging already runs v1.3.0; an older release never replaces a newer one');
  });

  it('refuses a rolled-back release, naming the rollback, its reason and who did it', () => {
    for (const environment of ['nonprod', 'staging']) {
      deployStable(store, environment, 'v1.1.0');
      deployStable(store, environment, 'v1.2.0');
    }
    rollBackStable(store, { environment: 'staging', from: 'v1.2.0', to: 'v1.1.0', by: 'ana', reason: 'orders are lost' });
    const failure = failureFrom(() => approve(store, environments, 'prod', 'v1.2.0'));
    expect(failure.specific).toBe('v1.2.0 was rolled back in staging by ana: orders are lost');
    expect(failure.details).toEqual([`rolled back at ${store.withdrawal('v1.2.0')!.at}: staging went back to v1.1.0`]);
    expect(failure.hint).toBe(
      'a rolled-back release is never promoted again: release the fix as a newer release (merge it to main), then approve that one',
    );
    expect(store.approval('prod', 'v1.2.0')).toBeUndefined();
  });
});
