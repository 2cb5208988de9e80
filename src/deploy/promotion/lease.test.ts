import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { acquireDeployLease, type DeployLease } from './lease.ts';
import { tempStore } from '../../test-support/promotion-fixtures.ts';
import type { PromotionStore } from './store.ts';

let store: PromotionStore;
let cleanup: () => void;
const held: DeployLease[] = [];
beforeEach(() => ({ store, cleanup } = tempStore()));
afterEach(() => {
  for (const lease of held.splice(0)) lease.release();
  cleanup();
});

async function hold(environment: string, tag: string, options = {}): Promise<DeployLease> {
  const lease = await acquireDeployLease(store, environment, tag, { pollMs: 10, ...options });
  if ('superseded' in lease) throw new Error(`${tag} was superseded by ${lease.superseded}`);
  held.push(lease);
  return lease;
}

describe('acquireDeployLease', () => {
  it('makes a second release wait until the first releases the environment', async () => {
    const first = await hold('nonprod', 'v1.2.0');
    let secondHeld = false;
    const second = hold('nonprod', 'v1.3.0').then((lease) => {
      secondHeld = true;
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(secondHeld).toBe(false);
    expect(store.record('nonprod', 'v1.3.0')?.status).toBe('queued');
    first.release();
    first.release();
    expect((await second).releaseTag).toBe('v1.3.0');
    expect(store.lease('nonprod')).toMatchObject({ release: 'v1.3.0', pid: process.pid, host: hostname() });
  });

  it('tells a waiting release at once when a newer one is queued for the environment', async () => {
    await hold('staging', 'v1.1.0');
    const older = acquireDeployLease(store, 'staging', 'v1.2.0', { pollMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const newer = hold('staging', 'v1.3.0');
    expect(await older).toEqual({ superseded: 'v1.3.0' });
    expect(store.record('staging', 'v1.2.0')).toMatchObject({ status: 'superseded', supersededBy: 'v1.3.0' });
    held[0].release();
    expect((await newer).releaseTag).toBe('v1.3.0');
  });

  it('fails with who holds the environment when the wait runs out', async () => {
    await hold('prod', 'v1.2.0');
    const failure = await failureOf(acquireDeployLease(store, 'prod', 'v1.3.0', { waitMs: 50, pollMs: 10, ttlMs: 90_000 }));
    expect(failure.specific).toMatch(/^prod is busy: v1\.2\.0 has been deploying there since \d{4}-\d\d-\d\dT/);
    expect(failure.details).toEqual([`its deploy lease is held by process ${process.pid} on ${hostname()}`, 'v1.3.0 waited 0 s for it']);
    expect(failure.hint).toBe(
      'run again once that deploy ends; a lease whose process stopped frees itself (at once on the same host, after 90 s elsewhere)',
    );
  });

  it('keeps a held lease alive with heartbeats past its time to live', async () => {
    await hold('nonprod', 'v1.2.0', { ttlMs: 60 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await failureOf(acquireDeployLease(store, 'nonprod', 'v1.3.0', { waitMs: 30, pollMs: 10 }));
  });

  it('takes over at once from a holder on this host whose process is gone', async () => {
    store.claimLease('nonprod', 'v1.2.0', { pid: 2 ** 22 + 1, host: hostname() }, 60_000, () => true);
    store.markDeploying('nonprod', 'v1.2.0');
    expect((await hold('nonprod', 'v1.3.0', { waitMs: 0 })).releaseTag).toBe('v1.3.0');
    expect(store.record('nonprod', 'v1.2.0')).toMatchObject({
      status: 'failed',
      detail: `deploy interrupted: its deploy process ${2 ** 22 + 1} on ${hostname()} ended`,
    });
  });
});
