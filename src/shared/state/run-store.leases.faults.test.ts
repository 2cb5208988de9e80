import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processRef } from '../process.ts';
import { RunStore } from './run-store.ts';

// Leases between processes: contenders claiming at once, and a holder killed with SIGKILL.

const contender = join(import.meta.dirname, '../../test-support/run-lease-contender.ts');
let dir: string;
let children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-lease-faults-'));
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a contender; resolves with its claim once it has printed it. */
function contend(key: string, runId: number, goFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', contender, join(dir, 'state.db'), key, String(runId), goFile]);
  children.push(child);
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  const claim = new Promise<{ pid: number; kind: string }>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('\n')) resolve(JSON.parse(output) as { pid: number; kind: string });
    });
    child.once('exit', (code) => reject(new Error(`contender exited with ${code} before claiming: ${errors}`)));
  });
  return { child, claim };
}

describe('run store leases across processes', () => {
  it('gives the lease to exactly one of six processes claiming it at once', async () => {
    new RunStore(join(dir, 'state.db')).close(); // the schema exists before the race
    const go = join(dir, 'go');
    const contenders = Array.from({ length: 6 }, (_, index) => contend('release:demo:v1.5.0', index + 1, go));
    writeFileSync(go, '');
    const claims = await Promise.all(contenders.map((contender) => contender.claim));
    const holders = claims.filter((claim) => claim.kind === 'held');
    expect(holders).toHaveLength(1);
    expect(claims.filter((claim) => claim.kind === 'busy')).toHaveLength(5);
    const store = new RunStore(join(dir, 'state.db'));
    expect(store.lease('release:demo:v1.5.0')?.pid).toBe(holders[0].pid);
    store.close();
  });

  it('frees the lease of a holder killed with SIGKILL: the next claimant takes it over', async () => {
    const go = join(dir, 'go');
    writeFileSync(go, '');
    const holder = contend('repository:demo', 7, go);
    expect((await holder.claim).kind).toBe('held');
    const store = new RunStore(join(dir, 'state.db'));
    const self = processRef(process.pid)!;
    const us = { runId: 8, pid: self.pid, startTime: self.startTime! };
    expect(store.claimLease('repository:demo', us)).toMatchObject({ kind: 'busy', lease: { runId: 7, pid: holder.child.pid } });
    await new Promise((resolve) => holder.child.once('exit', resolve).kill('SIGKILL'));
    expect(store.claimLease('repository:demo', us)).toMatchObject({
      kind: 'held',
      lease: { runId: 8, pid: process.pid },
      tookOverFrom: { runId: 7, pid: holder.child.pid },
    });
    store.close();
  });
});
