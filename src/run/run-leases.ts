import type { EventSkipped } from '../release/forge/webhooks/receiver.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { HostFailure } from '../shared/feedback/host-failure.ts';
import { repositoryKey } from '../shared/home.ts';
import { processRef } from '../shared/process.ts';
import type { LeaseHolder, LeaseRecord, RunRecord, RunStore } from '../shared/state/run-store.ts';

/**
 * A releasing run holds its repository for as long as its process lives: the version stage
 * commits in the checkout and consumes the changesets, so a second run there at the same time
 * would find them gone under it. The second is refused at once, naming the holder, rather than
 * made to wait: it could only start from a HEAD the first moved, and a CI runner's own queue is
 * the place to wait. Returns what gives the repository up.
 */
export function holdRepository(store: RunStore, run: RunRecord): () => void {
  const key = `repository:${repositoryKey(run.project, run.repoDir)}`;
  const holder = thisProcess(run);
  const claim = store.claimLease(key, holder);
  if (claim.kind !== 'held') throw repositoryBusy(run, claim.lease);
  return () => store.dropLease(key, holder);
}

/** The release half as claimed: run it (the lease records how it ended), or why it is not run here. */
export type ReleaseHalfClaim = { run(work: () => Promise<Feedback[]>): Promise<Feedback[]> } | EventSkipped;

/**
 * One release half per release, across every receiver and process sharing the home: the first
 * claim takes the release's lease, later ones learn that it is running or finished. A half whose
 * process died is taken over; `reopen` (a resume) also carries on a finished one.
 */
export function claimReleaseHalf(store: RunStore, run: RunRecord, tag: string, options: { reopen?: boolean } = {}): ReleaseHalfClaim {
  const key = `release:${repositoryKey(run.project, run.repoDir)}:${tag}`;
  const holder = thisProcess(run);
  const claim = store.claimLease(key, holder, options);
  if (claim.kind === 'busy') {
    return { skipped: 'already-running', message: `The release half of ${tag} is already running: ${describe(claim.lease)}.` };
  }
  if (claim.kind === 'finished') {
    const { runId, outcome, finishedAt } = claim.lease;
    const resume = outcome === 'failed' ? `; \`slipway resume ${runId}\` carries it on` : '';
    return {
      skipped: 'already-finished',
      message: `The release half of ${tag} already finished (${outcome}) in run #${runId} at ${finishedAt}${resume}.`,
    };
  }
  return {
    async run(work) {
      let failures: Feedback[];
      try {
        failures = await work();
      } catch (error) {
        // Slipway's own error, not the release's: the next delivery or resume tries again.
        store.dropLease(key, holder);
        throw error;
      }
      store.finishLease(key, holder, failures.length ? 'failed' : 'succeeded');
      return failures;
    },
  };
}

function thisProcess(run: RunRecord): LeaseHolder {
  const self = processRef(process.pid);
  if (!self?.startTime) throw new Error('this process has no start time in /proc: leases need Linux');
  return { runId: run.id, pid: self.pid, startTime: self.startTime };
}

function describe(lease: LeaseRecord): string {
  return `run #${lease.runId}, process ${lease.pid}, since ${lease.acquiredAt}`;
}

/** Not the change's fault, and nothing this run can do now: "Slipway could not run", exit code 2. */
function repositoryBusy(run: RunRecord, lease: LeaseRecord): HostFailure {
  const specific =
    lease.runId === run.id
      ? `run #${run.id} is already running in another process`
      : `${run.repoDir} is already being released by run #${lease.runId}`;
  return new HostFailure(specific, {
    details: [`held by ${describe(lease)}`, 'one run at a time versions and releases a repository'],
    hint: `wait for run #${lease.runId} to end (\`slipway show ${lease.runId}\`), then run again; a run whose process has ended holds nothing`,
  });
}
