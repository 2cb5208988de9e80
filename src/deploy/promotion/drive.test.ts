import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployStable, manifestOf, tempStore, v130 } from '../../test-support/promotion-fixtures.ts';
import { approve } from './approve.ts';
import { drivePromotion } from './drive.ts';
import { enterFirstEnvironment } from './first-environment.ts';
import type { PromotionStore } from './store.ts';
import { environmentGates } from './types.ts';

let store: PromotionStore;
let cleanup: () => void;
beforeEach(() => ({ store, cleanup } = tempStore()));
afterEach(() => cleanup());

describe('an approved release whose review is not accepted yet (a GitOps pull request not merged)', () => {
  const environments = { nonprod: { gate: 'auto' as const }, prod: { gate: 'manual' as const } };
  const gates = environmentGates(environments);

  it('keeps waiting at the gate, without a deploy or a failure, and goes in once accepted', async () => {
    deployStable(store, 'nonprod', 'v1.3.0');
    approve(store, environments, 'prod', 'v1.3.0', 'ana');
    const deployedTo: string[] = [];
    const drive = (accepted: boolean) =>
      drivePromotion({
        store,
        gates,
        release: v130,
        accepted: async () => accepted,
        deploy: async (environment, live) => {
          deployedTo.push(environment);
          live(`http://${environment}.test/`);
        },
      });
    expect(await drive(false)).toEqual({
      kind: 'await-approval',
      environment: 'prod',
      command: 'slipway approve prod v1.3.0',
      deployed: [],
    });
    expect(deployedTo).toEqual([]);
    expect(store.record('prod', 'v1.3.0')?.status).toBe('awaiting-approval');
    expect(store.lease('prod')).toBeUndefined();

    expect(await drive(true)).toEqual({ kind: 'done', deployed: ['prod'] });
    expect(deployedTo).toEqual(['prod']);
    expect(store.live('prod')?.tag).toBe('v1.3.0');
  });

  it("holds a run's own environment at its gate the same way", async () => {
    const manualFirst = { nonprod: { gate: 'manual' as const } };
    approve(store, manualFirst, 'nonprod', 'v1.3.0', 'ana');
    const entry = await enterFirstEnvironment({
      store,
      gates: environmentGates(manualFirst),
      environment: 'nonprod',
      release: manifestOf(v130),
      onStep: () => {},
      accepted: async () => false,
    });
    expect(entry).toEqual({ kind: 'await-approval', environment: 'nonprod', command: 'slipway approve nonprod v1.3.0' });
    expect(store.record('nonprod', 'v1.3.0')?.status).toBe('awaiting-approval');
    expect(store.lease('nonprod')).toBeUndefined();
  });
});
