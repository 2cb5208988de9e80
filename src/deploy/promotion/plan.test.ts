import { describe, expect, it } from 'vitest';
import { planPromotion } from './plan.ts';
import {
  environmentGates,
  type EnvironmentGate,
  type EnvironmentState,
  PromotionRecord,
  type PromotionStatus,
  type PromotionView,
  type ReleaseIdentity,
} from './types.ts';

const environments: EnvironmentGate[] = environmentGates({
  nonprod: { gate: 'auto' },
  staging: { gate: 'manual' },
  prod: { gate: 'manual' },
});

const identity = (tag: string, createdAt: string): ReleaseIdentity => ({
  tag,
  version: tag.slice(1),
  commit: `c-${tag}`,
  createdAt,
  digests: { backend: `sha256:${tag}` },
});
const v120 = identity('v1.2.0', '2026-03-01T10:00:00Z');
const v130 = identity('v1.3.0', '2026-03-02T10:00:00Z');
const v110 = identity('v1.1.0', '2026-02-01T10:00:00Z');

const record = (environment: string, status: PromotionStatus, extra: Partial<PromotionRecord> = {}): PromotionRecord => ({
  environment,
  release: 'v1.2.0',
  status,
  digests: v120.digests,
  queuedAt: '2026-03-01T11:00:00Z',
  updatedAt: '2026-03-01T11:00:00Z',
  ...extra,
});
const approval = (environment: string) => ({ environment, release: 'v1.2.0', by: 'ana', at: '2026-03-01T12:00:00Z' });

function view(states: Record<string, EnvironmentState>): PromotionView {
  return { release: v120, environments: states };
}
const stableIn = (environment: string): EnvironmentState => ({ record: record(environment, 'stable'), live: v120 });

describe('planPromotion', () => {
  it('stops a prerelease before prod, which takes stable releases only by default', () => {
    const rc = identity('v1.3.0-rc.0', '2026-03-02T10:00:00Z');
    const rcStable = (environment: string): EnvironmentState => ({
      record: { ...record(environment, 'stable'), release: rc.tag },
      live: rc,
    });
    const states = { nonprod: rcStable('nonprod'), staging: rcStable('staging') };
    expect(planPromotion(environments, { release: rc, environments: states })).toEqual({
      kind: 'stable-only',
      environment: 'prod',
      reason: 'v1.3.0-rc.0 is a prerelease, and prod takes stable releases only',
    });
    // A stable release goes on, and an environment can take prereleases when its config says so.
    expect(planPromotion(environments, view({ nonprod: stableIn('nonprod'), staging: stableIn('staging') }))).toMatchObject({
      kind: 'await-approval',
      environment: 'prod',
    });
    const prodTakesAll = environmentGates({
      nonprod: { gate: 'auto' },
      staging: { gate: 'manual' },
      prod: { gate: 'auto', stableOnly: false },
    });
    expect(planPromotion(prodTakesAll, { release: rc, environments: states })).toEqual({ kind: 'deploy', environment: 'prod' });
    const stagingStableOnly = environmentGates({ nonprod: { gate: 'auto' }, staging: { gate: 'auto', stableOnly: true } });
    expect(planPromotion(stagingStableOnly, { release: rc, environments: { nonprod: rcStable('nonprod') } })).toMatchObject({
      kind: 'stable-only',
      environment: 'staging',
    });
  });

  it('deploys a new release to the first environment', () => {
    expect(planPromotion(environments, view({}))).toEqual({ kind: 'deploy', environment: 'nonprod' });
  });

  it('stops at a manual gate with the command that opens it, and goes on once approved', () => {
    expect(planPromotion(environments, view({ nonprod: stableIn('nonprod') }))).toEqual({
      kind: 'await-approval',
      environment: 'staging',
      command: 'slipway approve staging v1.2.0',
    });
    expect(planPromotion(environments, view({ nonprod: stableIn('nonprod'), staging: { approval: approval('staging') } }))).toEqual({
      kind: 'deploy',
      environment: 'staging',
    });
  });

  it('enters an auto-gated environment as soon as the release is stable before it', () => {
    const autoGates = environments.map((environment) => ({ ...environment, gate: 'auto' as const }));
    expect(planPromotion(autoGates, view({ nonprod: stableIn('nonprod'), staging: stableIn('staging') }))).toEqual({
      kind: 'deploy',
      environment: 'prod',
    });
  });

  it('is done once the release is stable in the last environment', () => {
    expect(
      planPromotion(environments, view({ nonprod: stableIn('nonprod'), staging: stableIn('staging'), prod: stableIn('prod') })),
    ).toEqual({ kind: 'done' });
    expect(planPromotion([], view({}))).toEqual({ kind: 'done' });
  });

  it('blocks promotion when the previous environment no longer runs the release', () => {
    const replaced = { record: record('nonprod', 'stable'), live: v130 };
    expect(planPromotion(environments, view({ nonprod: replaced }))).toEqual({
      kind: 'blocked',
      environment: 'staging',
      reason: 'nonprod now runs v1.3.0, not v1.2.0',
    });
    const empty = { record: record('nonprod', 'stable') };
    expect(planPromotion(environments, view({ nonprod: empty }))).toEqual({
      kind: 'blocked',
      environment: 'staging',
      reason: 'nonprod runs no release now, not v1.2.0',
    });
  });

  it('blocks where the release failed or was rolled back, unless asked to retry', () => {
    const failed = { nonprod: { record: record('nonprod', 'failed', { detail: 'Smoke test failed: home' }) } };
    expect(planPromotion(environments, view(failed))).toEqual({
      kind: 'blocked',
      environment: 'nonprod',
      reason: 'v1.2.0 failed in nonprod: Smoke test failed: home',
    });
    expect(planPromotion(environments, view(failed), { retryFailed: true })).toEqual({ kind: 'deploy', environment: 'nonprod' });
    const rolledBack = {
      nonprod: stableIn('nonprod'),
      staging: {
        record: record('staging', 'rolled-back', { detail: 'Release not stable: error rate 20 %' }),
        live: v110,
        approval: approval('staging'),
      },
    };
    expect(planPromotion(environments, view(rolledBack))).toEqual({
      kind: 'blocked',
      environment: 'staging',
      reason: 'v1.2.0 was rolled back in staging: Release not stable: error rate 20 %',
    });
  });

  it('gives way to a newer release that waits for or runs the environment', () => {
    const waitingNewer = {
      nonprod: stableIn('nonprod'),
      staging: { record: record('staging', 'awaiting-approval'), live: v110, newestOther: v130 },
    };
    expect(planPromotion(environments, view(waitingNewer))).toEqual({ kind: 'superseded', environment: 'staging', by: 'v1.3.0' });
    const recorded = { nonprod: stableIn('nonprod'), staging: { record: record('staging', 'superseded', { supersededBy: 'v1.3.0' }) } };
    expect(planPromotion(environments, view(recorded))).toEqual({ kind: 'superseded', environment: 'staging', by: 'v1.3.0' });
  });

  it('ignores older releases contending for the environment', () => {
    const olderWaiting = { nonprod: stableIn('nonprod'), staging: { live: v110, newestOther: v110, approval: approval('staging') } };
    expect(planPromotion(environments, view(olderWaiting))).toEqual({ kind: 'deploy', environment: 'staging' });
  });

  it('resumes an unfinished deploy, unless a newer release already runs there', () => {
    const interrupted = { nonprod: { record: record('nonprod', 'live'), live: v120, newestOther: v130 } };
    expect(planPromotion(environments, view(interrupted))).toEqual({ kind: 'deploy', environment: 'nonprod' });
    const overtaken = { nonprod: { record: record('nonprod', 'deploying'), live: v130, newestOther: v130 } };
    expect(planPromotion(environments, view(overtaken))).toEqual({ kind: 'superseded', environment: 'nonprod', by: 'v1.3.0' });
  });
});
