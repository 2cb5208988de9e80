import { Failure } from '../shared/feedback/failure.ts';
import { gitResult } from '../shared/git.ts';

/**
 * On GitHub, the version commit and its tag go back to the repository before the release names
 * them, both or neither (`--atomic`): the next merge then starts from the bumped versions and the
 * consumed changesets, and the release's tag is the commit that was built. A push with Actions'
 * GITHUB_TOKEN starts no workflow, so it does not start another run.
 */
export async function pushVersion(repoDir: string, branch: string, versionCommit: string, tag: string): Promise<void> {
  const pushed = await gitResult(repoDir, ['push', '--atomic', 'origin', `${versionCommit}:refs/heads/${branch}`, `refs/tags/${tag}`]);
  if (pushed.code === 0) return;
  const moved = /\[rejected\]|non-fast-forward|fetch first/.test(pushed.stderr);
  throw new Failure(`could not push the version commit and tag ${tag} to origin's ${branch}`, {
    logExcerpt: pushed.stderr.trim().split('\n').slice(-6),
    hint: moved
      ? `${branch} moved on while this run released: nothing was released; the run of the newer merge releases both changes`
      : 'the job needs `contents: write` and a checkout that keeps its credentials (actions/checkout does by default)',
  });
}
