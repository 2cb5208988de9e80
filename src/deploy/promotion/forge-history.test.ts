import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployStable, v110 as fixture110, v120 as fixture120, v130 as fixture130 } from '../../test-support/promotion-fixtures.ts';
import { failureFrom } from '../../test-support/failure-of.ts';
import { approve } from './approve.ts';
import { adoptForgeHistory } from './forge-history.ts';
import { PromotionStore } from './store.ts';
import type { ReleaseIdentity } from './types.ts';

/** The fixtures' releases with a real commit id and digests, as a release manifest has them. */
function real(release: ReleaseIdentity, n: number): ReleaseIdentity {
  return { ...release, commit: String(n).repeat(40), digests: { backend: `sha256:${String(n).repeat(64)}` } };
}
const [v110, v120, v130] = [real(fixture110, 1), real(fixture120, 2), real(fixture130, 3)];

let dir: string;
let store: PromotionStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-forge-history-'));
  store = new PromotionStore(join(dir, 'promotion.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A deployment as the reporter leaves it on GitHub: the release's identity in its payload. */
function deployment(environment: string, release: ReleaseIdentity, state: string, at: string) {
  return { environment, payload: { ...release, release: release.tag, run: 1 }, state, at };
}

describe('what a fresh runner learns from GitHub’s deployments', () => {
  it('knows each environment’s stable releases and which runs there now, newest success first', () => {
    const adopted = adoptForgeHistory(store, [
      deployment('staging', v130, 'failure', '2026-12-03T12:05:00Z'),
      deployment('staging', v120, 'success', '2026-12-03T12:04:00Z'),
      deployment('nonprod', v130, 'success', '2026-12-03T12:03:00Z'),
      deployment('nonprod', v120, 'inactive', '2026-12-03T12:02:00Z'),
      deployment('nonprod', v110, 'in_progress', '2026-12-03T12:01:00Z'),
    ]);
    expect(adopted).toBe(4);
    expect(store.record('nonprod', 'v1.3.0')?.status).toBe('stable');
    expect(store.record('nonprod', 'v1.2.0')?.status).toBe('stable');
    expect(store.record('nonprod', 'v1.1.0')).toBeUndefined();
    expect(store.record('staging', 'v1.3.0')?.status).toBe('failed');
    expect(store.live('nonprod')?.tag).toBe('v1.3.0');
    expect(store.live('staging')?.tag).toBe('v1.2.0');
    expect(store.release('v1.3.0')).toEqual(v130);
  });

  it('keeps what the runner knows itself, and passes over deployments Slipway did not make', () => {
    store.recordRelease(v120);
    deployStable(store, 'nonprod', 'v1.2.0');
    adoptForgeHistory(store, [
      deployment('nonprod', v120, 'failure', '2026-12-03T12:09:00Z'),
      { environment: 'nonprod', payload: { release: 'v9.9.9' }, state: 'success', at: '2026-12-03T12:10:00Z' },
      { environment: 'nonprod', payload: { ...v130, commit: 'main' }, state: 'success', at: '2026-12-03T12:11:00Z' },
    ]);
    expect(store.record('nonprod', 'v1.2.0')?.status).toBe('stable');
    expect(store.release('v9.9.9')).toBeUndefined();
    expect(store.release('v1.3.0')).toBeUndefined();
    expect(store.live('nonprod')?.tag).toBe('v1.2.0');
  });

  it('knows a release rolled back on another runner: withdrawn, so approve refuses it', () => {
    const withdrawal = {
      release: 'v1.3.0',
      environment: 'prod',
      replacedBy: 'v1.2.0',
      by: 'ana',
      reason: 'orders are lost',
      at: '2026-12-03T12:08:00Z',
    };
    adoptForgeHistory(store, [
      deployment('prod', v120, 'success', '2026-12-03T12:09:00Z'),
      { ...deployment('prod', v130, 'error', '2026-12-03T12:08:00Z'), payload: { ...v130, release: 'v1.3.0', run: 2, withdrawal } },
      deployment('prod', v130, 'inactive', '2026-12-03T12:05:00Z'),
      deployment('staging', v130, 'success', '2026-12-03T12:04:00Z'),
      { ...deployment('staging', v120, 'error', '2026-12-03T12:01:00Z'), payload: { ...v120, release: 'v1.2.0', withdrawal } },
    ]);
    expect(store.withdrawal('v1.3.0')).toEqual(withdrawal);
    expect(store.record('prod', 'v1.3.0')?.status).toBe('rolled-back');
    expect(store.live('prod')?.tag).toBe('v1.2.0');
    // A withdrawal that names another release than its deployment's is not believed.
    expect(store.withdrawal('v1.2.0')).toBeUndefined();
    expect(store.record('staging', 'v1.2.0')?.status).toBe('failed');
    const environments = { staging: { gate: 'auto' as const }, prod: { gate: 'manual' as const } };
    expect(failureFrom(() => approve(store, environments, 'prod', 'v1.3.0')).specific).toBe(
      'v1.3.0 was rolled back in prod by ana: orders are lost',
    );
  });
});
