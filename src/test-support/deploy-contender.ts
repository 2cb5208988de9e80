// A pipeline process deploying one release to one environment, for the cross-process lease tests:
// `node --import tsx deploy-contender.test-support.ts <db> <environment> <release> <deployMs | until-queued:<release>>`:
// the deploy lasts deployMs, or until the other release is queued there (proof that it waited).
// Prints one JSON line: when it deployed, or which release superseded it.
import { setTimeout as delay } from 'node:timers/promises';
import { acquireDeployLease } from '../deploy/promotion/lease.ts';
import { PromotionStore } from '../deploy/promotion/store.ts';

const [path, environment, release, duration] = process.argv.slice(2);
const store = new PromotionStore(path);
const lease = await acquireDeployLease(store, environment, release, { pollMs: 20, waitMs: 30_000 });
if ('superseded' in lease) {
  console.log(JSON.stringify({ release, superseded: lease.superseded }));
} else {
  store.markDeploying(environment, release);
  const start = Date.now();
  const waitingRelease = duration.startsWith('until-queued:') ? duration.slice('until-queued:'.length) : undefined;
  if (waitingRelease) {
    while (store.record(environment, waitingRelease)?.status !== 'queued') await delay(20);
  } else {
    await delay(Number(duration));
  }
  store.markLive(environment, release);
  store.markStable(environment, release);
  const end = Date.now();
  lease.release();
  console.log(JSON.stringify({ release, start, end }));
}
store.close();
