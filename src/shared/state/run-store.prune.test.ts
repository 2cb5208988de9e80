import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processRef } from '../process.ts';
import { RunStore, type RunStatus } from './run-store.ts';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-prune-'));
  store = new RunStore(join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run with a stage, an event and feedback, left in `status`. */
function addRun(status: Exclude<RunStatus, 'interrupted'> = 'succeeded'): number {
  const { id } = store.createRun({ project: 'p', repoDir: '/repo', commit: 'c0ffee', branch: 'main', trigger: 'test' });
  store.setStage(id, 'unit', 'succeeded', { summary: `run ${id}`, outputs: { placed: [] } });
  store.addEvent({ runId: id, at: new Date().toISOString(), stage: 'unit', type: 'log', message: `event of ${id}` });
  store.addFeedback(id, 'unit', { run: id });
  if (status !== 'running') store.setRunStatus(id, status);
  return id;
}

const allIds = () => store.listRuns(1000).map((run) => run.id);

describe('RunStore.pruneRuns', () => {
  it('deletes the runs before the newest ones kept, with their stages, events and feedback', () => {
    const ids = Array.from({ length: 8 }, (_, i) => addRun(i % 2 === 0 ? 'succeeded' : 'failed'));
    const pruned = store.pruneRuns(3);

    expect(pruned).toEqual(ids.slice(0, 5));
    expect(allIds()).toEqual(ids.slice(5).reverse());
    for (const id of pruned) {
      expect(store.getRun(id)).toBeUndefined();
      expect(store.stages(id)).toEqual([]);
      expect(store.events(id)).toEqual([]);
      expect(store.feedback(id)).toEqual([]);
    }
    const kept = ids[7];
    expect(store.stages(kept)).toHaveLength(1);
    expect(store.events(kept)).toHaveLength(1);
    expect(store.feedback(kept)).toEqual([{ run: kept }]);
    expect(store.pruneRuns(3)).toEqual([]);
  });

  it('keeps every run when there are no more than it keeps', () => {
    const ids = [addRun(), addRun()];
    expect(store.pruneRuns(2)).toEqual([]);
    expect(store.pruneRuns(5)).toEqual([]);
    expect(allIds()).toEqual([...ids].reverse());
  });

  it('never deletes a running or waiting run, a lease holder, a run that created a release, or a protected one', () => {
    const running = addRun('running');
    const waiting = addRun('waiting');
    const leaseHolder = addRun();
    const self = processRef(process.pid)!;
    store.claimLease('repository:/repo', { runId: leaseHolder, pid: self.pid, startTime: self.startTime! });
    const released = addRun();
    store.setStage(released, 'release', 'succeeded', { outputs: { manifest: { tag: 'v1.2.3' } } });
    const releaseFailed = addRun('failed');
    store.setStage(releaseFailed, 'release', 'failed', { summary: 'no manifest' });
    const protectedRun = addRun();
    const plain = addRun('failed');
    const newest = [addRun(), addRun()];

    expect(store.pruneRuns(2, [protectedRun])).toEqual([releaseFailed, plain]);
    expect(allIds()).toEqual([...newest.reverse(), protectedRun, released, leaseHolder, waiting, running]);
  });

  it('refuses to keep no run at all', () => {
    addRun();
    expect(() => store.pruneRuns(0)).toThrow(/at least one run/);
    expect(allIds()).toHaveLength(1);
  });
});
