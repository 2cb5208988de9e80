import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, processRef, type ProcessRef } from '../process.ts';
import { RunStore, type LeaseHolder } from './run-store.ts';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-leases-'));
  store = new RunStore(join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const self = processRef(process.pid)!;
const us = (runId: number): LeaseHolder => ({ runId, pid: self.pid, startTime: self.startTime! });

/** A process that existed and has exited: its pid and start time name no running process. */
async function deadProcess(): Promise<ProcessRef> {
  const child = spawn('sleep', ['60']);
  const ref = processRef(child.pid!)!;
  await new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'));
  expect(isRunning(ref)).toBe(false);
  return ref;
}

describe('run store leases', () => {
  it('gives a free lease to its first claimant and answers later ones with the holder', () => {
    const first = store.claimLease('release:x:v1', us(1));
    expect(first).toMatchObject({ kind: 'held', lease: { key: 'release:x:v1', runId: 1, pid: process.pid }, tookOverFrom: undefined });
    const second = store.claimLease('release:x:v1', us(2));
    expect(second).toEqual({ kind: 'busy', lease: store.lease('release:x:v1') });
    expect(second.lease.runId).toBe(1);
    expect(store.claimLease('release:x:v2', us(2)).kind).toBe('held');
  });

  it('answers "finished" with the outcome once the work is done, until a claim reopens it', () => {
    store.claimLease('release:x:v1', us(1));
    store.finishLease('release:x:v1', us(1), 'failed');
    const later = store.claimLease('release:x:v1', us(1));
    expect(later).toMatchObject({ kind: 'finished', lease: { runId: 1, outcome: 'failed', finishedAt: expect.any(String) } });
    const reopened = store.claimLease('release:x:v1', us(1), { reopen: true });
    expect(reopened).toMatchObject({ kind: 'held', lease: { finishedAt: undefined, outcome: undefined }, tookOverFrom: undefined });
  });

  it('lets a claimant take over the lease of a holder that died, and says from whom', async () => {
    const dead = await deadProcess();
    store.claimLease('repository:x', { runId: 4, pid: dead.pid, startTime: dead.startTime! });
    const claim = store.claimLease('repository:x', us(5));
    expect(claim).toMatchObject({ kind: 'held', lease: { runId: 5, pid: process.pid }, tookOverFrom: { runId: 4, pid: dead.pid } });
  });

  it('does not mistake a later process with the same pid for the holder', () => {
    store.claimLease('repository:x', { runId: 4, pid: process.pid, startTime: 'an earlier boot' });
    expect(store.claimLease('repository:x', us(5)).kind).toBe('held');
  });

  it('drops and finishes only the holder it is given', () => {
    store.claimLease('repository:x', us(1));
    store.dropLease('repository:x', { runId: 1, pid: process.pid, startTime: 'someone else' });
    store.finishLease('repository:x', { runId: 1, pid: process.pid, startTime: 'someone else' }, 'succeeded');
    expect(store.lease('repository:x')).toMatchObject({ runId: 1, finishedAt: undefined });
    store.dropLease('repository:x', us(1));
    expect(store.lease('repository:x')).toBeUndefined();
  });
});
