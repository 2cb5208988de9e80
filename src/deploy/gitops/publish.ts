import { Failure } from '../../shared/feedback/failure.ts';
import type { ManifestFile } from '../kubernetes/manifests/index.ts';
import { DeployCheckout, type DeployRemote } from './checkout.ts';

/** What one environment's directory should hold on a branch, and the commit that says why. */
export interface TreeChange {
  branch: string;
  path: string;
  /** None: the directory is removed. */
  files: ManifestFile[];
  message: string;
}

/** The branch's commit that holds a change, and when this call made it, what `path` held before. */
export interface CommittedTree {
  /** Undefined only for a removal from a branch that does not exist. */
  commit: string | undefined;
  /** The files the commit replaced; undefined when the branch already held the change (no new commit). */
  previous?: ManifestFile[];
}

/**
 * Puts `path` on `branch` as the change says, in one commit. A branch that already holds it gets
 * no new commit (a resumed deploy). When the branch moves between fetch and push (another deploy
 * pushed), the change is made again on top of the new head, once: our directory is ours alone, so
 * replaying it is the rebase; a second move is a Failure.
 */
export async function commitTree(remote: DeployRemote, change: TreeChange, log: (line: string) => void): Promise<CommittedTree> {
  for (let attempt = 1; ; attempt += 1) {
    const checkout = await DeployCheckout.open(remote, change.branch);
    try {
      const previous = await checkout.filesAt(change.path);
      if (!(await checkout.replace(change.path, change.files))) {
        log(`${change.branch} of ${remote.display} already holds ${change.path} as planned: no new commit`);
        return { commit: checkout.base };
      }
      const commit = await checkout.commit(change.message);
      if ((await checkout.push(change.branch)) === 'pushed') {
        log(`pushed ${commit.slice(0, 12)} to ${change.branch} of ${remote.display}`);
        return { commit, previous };
      }
      if (attempt === 2) {
        throw new Failure(`${change.branch} of ${remote.display} moved twice while Slipway pushed to it`, {
          details: [
            `path: ${change.path}`,
            `${checkout.base ? `fetched at ${checkout.base.slice(0, 12)}` : 'fetched before it existed'}, rejected twice`,
          ],
          hint: `something else pushes to ${change.branch} continuously (another deploy, a bot): run again once it settles`,
        });
      }
      log(`${change.branch} of ${remote.display} moved while pushing: rebasing on its new head and pushing again`);
    } finally {
      await checkout.close();
    }
  }
}

/** Where a release stands for review: already in the branch, or waiting on its review branch. */
export type ReviewState = 'merged' | 'proposed';

/**
 * Pushes the change to a review branch made from `change.branch`'s head, for a person to merge.
 * Idempotent: a review branch that already holds the same directory is left as it is, and a
 * branch that already holds it needs no review at all. The review branch is Slipway's own, so a
 * stale one (the target branch moved on) is replaced.
 */
export async function pushForReview(
  remote: DeployRemote,
  change: TreeChange & { review: string },
  log: (line: string) => void,
): Promise<ReviewState> {
  const checkout = await DeployCheckout.open(remote, change.branch);
  try {
    if (!(await checkout.replace(change.path, change.files))) return 'merged';
    const planned = await checkout.stagedTree(change.path);
    const existing = await checkout.fetch(change.review);
    if (existing && (await checkout.treeAt(existing, change.path)) === planned) {
      log(`${change.review} of ${remote.display} already proposes ${change.path} as planned`);
      return 'proposed';
    }
    const commit = await checkout.commit(change.message);
    if ((await checkout.push(change.review, { force: true })) === 'rejected') {
      throw new Failure(`${remote.display} refused ${change.review} even when forced`, {
        hint: `let Slipway push branches under slipway/ in ${remote.display} (a branch protection rule may cover them)`,
      });
    }
    log(`pushed ${commit.slice(0, 12)} to ${change.review} of ${remote.display} for review`);
    return 'proposed';
  } finally {
    await checkout.close();
  }
}

/** The branch's head when its `path` holds exactly `files` (the review was merged); undefined when it does not. */
export async function mergedHead(remote: DeployRemote, change: Omit<TreeChange, 'message'>): Promise<string | undefined> {
  const checkout = await DeployCheckout.open(remote, change.branch);
  try {
    return (await checkout.replace(change.path, change.files)) ? undefined : checkout.base;
  } finally {
    await checkout.close();
  }
}
