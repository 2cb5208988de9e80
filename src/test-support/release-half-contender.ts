// Another process running a release half (a `slipway serve`, or a resumed run), for the
// cross-process delivery tests: `node --import tsx release-half-contender.ts <state.db> <runId> <tag>`
// claims the release half of the run's release, prints the claim as one JSON line and, if it got
// the half, "runs" it until killed.
import { claimReleaseHalf } from '../run/run-leases.ts';
import { RunStore } from '../shared/state/run-store.ts';

const [path, runId, tag] = process.argv.slice(2);
const store = new RunStore(path);
const claim = claimReleaseHalf(store, store.getRun(Number(runId))!, tag);
console.log(JSON.stringify('skipped' in claim ? claim : { started: true }));
if (!('skipped' in claim)) await claim.run(() => new Promise(() => setInterval(() => {}, 60_000)));
store.close();
