import assembleReleasePlan from '@changesets/assemble-release-plan';
import { tailLines } from '../../shared/exec.ts';
import { gitResult } from '../../shared/git.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { loadWorkspace, type ChangesetsConfig, type ChangesetsWorkspace } from './workspace.ts';
import { changesetFile, readPendingChangesets, type Changeset } from './changesets.ts';
import { changelogBody, releaseNotes } from './changelog.ts';
import { nextCalver, nextCalverPrerelease } from './calver.ts';
import { readPrereleaseState, type PreState } from './pre-state.ts';
import type { PackageRelease, PlanVersionOptions, VersionPlan } from './types.ts';

/** Reads the workspace, its changesets and git tags, and plans the release. Writes nothing. */
export async function planVersion(opts: PlanVersionOptions): Promise<VersionPlan> {
  const workspace = await loadWorkspace(opts.repoDir);
  if (!workspace.names.includes(opts.releasePackage)) {
    throw new Failure(`the release package '${opts.releasePackage}' is not in the workspace; packages: ${workspace.names.join(', ')}`, {
      hint: 'Set versioning.releasePackage in the Slipway config to the package whose version names the release.',
    });
  }
  const preState = await readPrereleaseState(opts.repoDir);
  if (preState && opts.snapshot) {
    throw new Failure(`snapshot releases are not made in changesets prerelease mode ("${preState.tag}", .changeset/pre.json)`, {
      hint: 'Snapshots are for builds off main; in prerelease mode every merge to main is already a prerelease.',
    });
  }
  const pending = await readPendingChangesets(opts.repoDir, workspace.names);
  const tags = await listTags(opts.repoDir);
  const shortCommit = opts.snapshot ? shortSha(opts.snapshot.commit) : undefined;
  const assembled = assemble(pending, workspace, opts.scheme === 'semver' ? shortCommit : undefined, preState);
  // In prerelease mode the changesets of earlier prereleases stay in .changeset until the mode is
  // left: changesets' plan keeps only the new ones (and all of them again on exit).
  const { changesets } = assembled;
  let { releases } = assembled;
  const prerelease = preState?.mode === 'pre';
  if (prerelease && changesets.length === 0) {
    throw new Failure(`no new changeset since the last prerelease: .changeset/pre.json lists every pending changeset as released`, {
      details: [
        `prerelease mode: "${preState.tag}"`,
        `released in it: ${pending.map((changeset) => changesetFile(changeset.id)).join(', ')}`,
      ],
      hint: 'Add a changeset for this change to cut the next prerelease, or run `changeset pre exit` to release the stable version.',
    });
  }

  if (opts.scheme === 'calver') {
    const existing = [...workspace.packages.packages.map((pkg) => pkg.packageJson.version), ...tags];
    const month = nextCalver(opts.date, existing);
    const version = shortCommit
      ? `${month}-snapshot-${shortCommit}`
      : prerelease
        ? nextCalverPrerelease(month, preState.tag, existing)
        : month;
    releases = releases.map((release) => (release.type === 'none' ? release : { ...release, newVersion: version }));
  }

  const releasePackage = releases.find((release) => release.name === opts.releasePackage && release.type !== 'none');
  if (!releasePackage) {
    throw new Failure(`no pending changeset releases '${opts.releasePackage}', whose version names the release`, {
      details: [
        `changesets: ${changesets.map((changeset) => changesetFile(changeset.id)).join(', ')}`,
        `they release: ${
          releases
            .filter((r) => r.type !== 'none')
            .map((r) => r.name)
            .join(', ') || 'nothing'
        }`,
      ],
      hint: `Name '${opts.releasePackage}' in a changeset, or put it in a "fixed" group in .changeset/config.json with the packages it ships with.`,
    });
  }
  const tag = `v${releasePackage.newVersion}`;
  if (tags.includes(tag)) {
    throw new Failure(`the next version ${releasePackage.newVersion} of '${opts.releasePackage}' is already tagged ${tag}`, {
      hint: `The package.json version of '${opts.releasePackage}' is behind its tags: set it to the latest released version, then rerun.`,
    });
  }

  const packageJsons = new Map(workspace.packages.packages.map((pkg) => [pkg.packageJson.name, pkg.packageJson]));
  const bodies = releases
    .filter((release) => release.type !== 'none')
    .map((release) => ({ release, body: changelogBody(release, changesets, packageJsons.get(release.name)!, releases) }));
  return {
    releaseVersion: releasePackage.newVersion,
    tag,
    releases,
    changelog: releaseNotes(bodies),
    changesetFiles: changesets.map((changeset) => changesetFile(changeset.id)).sort(),
    snapshot: Boolean(opts.snapshot),
    prerelease,
    ...(preState && !opts.snapshot ? { preState: assembled.preState } : {}),
  };
}

/**
 * changesets' plan: bump types from the changesets, fixed/linked groups and dependents applied;
 * in prerelease mode, `-<tag>.<n>` versions from the new changesets only, and the updated state.
 */
function assemble(
  pending: Changeset[],
  workspace: ChangesetsWorkspace,
  snapshotCommit: string | undefined,
  preState: PreState | undefined,
): { releases: PackageRelease[]; changesets: Changeset[]; preState?: PreState } {
  const config: ChangesetsConfig = snapshotCommit
    ? { ...workspace.config, snapshot: { useCalculatedVersion: true, prereleaseTemplate: '{tag}-{commit}' } }
    : workspace.config;
  let plan;
  try {
    plan = assembleReleasePlan(
      pending,
      workspace.packages,
      config,
      preState,
      snapshotCommit ? { tag: 'snapshot', commit: snapshotCommit } : undefined,
    );
  } catch (error) {
    throw new Failure(`changesets could not plan the release: ${(error as Error).message.split('\n')[0]}`, {
      details: (error as Error).message.split('\n'),
      hint: 'Check .changeset/config.json (fixed, linked, ignore) against the packages the changesets name.',
    });
  }
  const changesets = plan.changesets as Changeset[];
  const releases = plan.releases
    .map((release) => ({
      name: release.name,
      oldVersion: release.oldVersion,
      newVersion: release.newVersion,
      type: release.type,
      summaries: changesets
        .filter((changeset) => changeset.releases.some((entry) => entry.name === release.name && entry.type !== 'none'))
        .map((changeset) => changeset.summary),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { releases, changesets, preState: plan.preState };
}

async function listTags(repoDir: string): Promise<string[]> {
  const result = await gitResult(repoDir, ['tag', '--list']);
  if (result.code !== 0) {
    throw new Failure(`cannot list the git tags of ${repoDir}`, {
      logExcerpt: tailLines(result.stderr),
      hint: 'Run Slipway inside a git checkout with its tags fetched (git fetch --tags).',
    });
  }
  return result.stdout
    .split('\n')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

function shortSha(commit: string): string {
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) throw new Failure(`snapshot commit '${commit}' is not a git commit id`);
  return commit.slice(0, 7).toLowerCase();
}
