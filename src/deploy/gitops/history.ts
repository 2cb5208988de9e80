import type { GitOpsConfig } from '../../config/gitops-schema.ts';
import type { DeployRecord } from '../target.ts';
import { DeployCheckout, type DeployRemote } from './checkout.ts';
import { releaseTrailer } from './plan.ts';

/** How far back `slipway env status` reads the deploy repository. */
const HISTORY_DEPTH = 50;

/**
 * The releases committed to the environment's path, oldest first, from the deploy repository's
 * log: the newest is deployed while the path exists, every other one superseded.
 */
export async function deployHistory(remote: DeployRemote, gitops: Pick<GitOpsConfig, 'branch' | 'path'>): Promise<DeployRecord[]> {
  const checkout = await DeployCheckout.open(remote, gitops.branch, HISTORY_DEPTH);
  try {
    if (!checkout.base) return [];
    const log = await checkout.read([
      'log',
      `--format=%H%x1f%cI%x1f%(trailers:key=${releaseTrailer},valueonly,separator=%x2C)%x1e`,
      checkout.base,
      '--',
      gitops.path,
    ]);
    const present = (await checkout.treeAt(checkout.base, gitops.path)) !== undefined;
    return parseHistory(log, present);
  } finally {
    await checkout.close();
  }
}

/** Records from `git log` lines (commit, time, release trailer), newest first in, oldest first out. */
export function parseHistory(log: string, present: boolean): DeployRecord[] {
  const releases = log
    .split('\x1e')
    .map((entry) => entry.trim().split('\x1f'))
    .filter(([commit, , release]) => commit && release?.trim())
    .map(([commit, at, release]) => ({ revision: `${commit.slice(0, 12)} (${release.trim()})`, at }));
  return releases
    .map((record, index): DeployRecord => ({ ...record, outcome: index === 0 && present ? 'deployed' : 'superseded' }))
    .reverse();
}
