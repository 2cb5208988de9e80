import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec } from '../../shared/exec.ts';
import { tempStore } from '../../test-support/promotion-fixtures.ts';
import { acquireDeployLease } from './lease.ts';
import type { PromotionStore } from './store.ts';

const contender = join(import.meta.dirname, '../../test-support/deploy-contender.ts');

let store: PromotionStore;
let path: string;
let cleanup: () => void;
beforeEach(() => ({ store, path, cleanup } = tempStore()));
afterEach(() => cleanup());

type Outcome = { release: string; start: number; end: number } | { release: string; superseded: string };

/** Runs a contender process to its end and returns what it reports. */
async function contend(environment: string, release: string, duration: number | string): Promise<Outcome> {
  const run = await exec(process.execPath, ['--import', 'tsx', contender, path, environment, release, String(duration)], {
    timeoutMs: 60_000,
  });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Outcome;
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 20_000) throw new Error('condition not met in 20 s');
    await delay(20);
  }
}

describe('deploy lease across processes', () => {
  it('deploys one release at a time: the second process waits for the first to finish', async () => {
    const first = contend('nonprod', 'v1.2.0', 'until-queued:v1.3.0');
    await until(() => store.record('nonprod', 'v1.2.0')?.status === 'deploying');
    const second = contend('nonprod', 'v1.3.0', 50);
    const [older, newer] = await Promise.all([first, second]);
    if (!('start' in older) || !('start' in newer)) throw new Error(`both should deploy: ${JSON.stringify([older, newer])}`);
    expect(Date.parse(store.record('nonprod', 'v1.3.0')!.queuedAt)).toBeLessThanOrEqual(older.end);
    expect(newer.start).toBeGreaterThanOrEqual(older.end);
    expect(store.live('nonprod')?.tag).toBe('v1.3.0');
    expect(store.lease('nonprod')).toBeUndefined();
  });

  it('lets the newer of two waiting processes deploy and reports the older superseded', async () => {
    const busy = await acquireDeployLease(store, 'staging', 'v1.1.0');
    if ('superseded' in busy) throw new Error('the environment was free');
    store.markDeploying('staging', 'v1.1.0');
    const racing = Promise.all([contend('staging', 'v1.2.0', 50), contend('staging', 'v1.3.0', 50)]);
    await until(() => store.record('staging', 'v1.3.0')?.status === 'queued');
    expect(store.record('staging', 'v1.1.0')?.status).toBe('deploying');
    store.markLive('staging', 'v1.1.0');
    store.markStable('staging', 'v1.1.0');
    const released = Date.now();
    busy.release();

    const [older, newer] = await racing;
    expect(older).toEqual({ release: 'v1.2.0', superseded: 'v1.3.0' });
    expect(newer).toMatchObject({ release: 'v1.3.0' });
    expect('start' in newer && newer.start).toBeGreaterThanOrEqual(released);
    expect(store.record('staging', 'v1.2.0')).toMatchObject({ status: 'superseded', supersededBy: 'v1.3.0' });
    expect(store.live('staging')?.tag).toBe('v1.3.0');
  });

  it('frees the environment at once when the holding process is killed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', contender, path, 'prod', 'v1.2.0', '600000'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until(() => store.record('prod', 'v1.2.0')?.status === 'deploying');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const lease = await acquireDeployLease(store, 'prod', 'v1.3.0', { waitMs: 0 });
    expect(lease).toMatchObject({ environment: 'prod', releaseTag: 'v1.3.0' });
    if (!('superseded' in lease)) lease.release();
    expect(store.record('prod', 'v1.2.0')).toMatchObject({
      status: 'failed',
      detail: `deploy interrupted: its deploy process ${child.pid} on ${hostname()} ended`,
    });
  });
});
