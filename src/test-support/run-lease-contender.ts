// A process claiming a run-store lease, for the cross-process lease tests:
// `node --import tsx run-lease-contender.ts <state.db> <key> <runId> <go-file>`: waits until
// <go-file> exists (so several contenders claim at the same instant), claims the lease, prints
// the claim's kind as one JSON line, and then, if it holds the lease, keeps it until killed.
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { processRef } from '../shared/process.ts';
import { RunStore } from '../shared/state/run-store.ts';

const [path, key, runId, goFile] = process.argv.slice(2);
const store = new RunStore(path);
const self = processRef(process.pid)!;
while (!existsSync(goFile)) await delay(5);
const claim = store.claimLease(key, { runId: Number(runId), pid: self.pid, startTime: self.startTime! });
console.log(JSON.stringify({ pid: process.pid, kind: claim.kind }));
if (claim.kind === 'held') await new Promise(() => setInterval(() => {}, 60_000));
store.close();
