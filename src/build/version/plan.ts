import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assembleReleasePlan from '@changesets/assemble-release-plan';
import { tailLines } from '../../shared/exec.ts';
import { gitResult } from '../../shared/git.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { loadWorkspace, type ChangesetsConfig, type ChangesetsWorkspace } from './workspace.ts';
import { changesetFile, readPendingChangesets, type Changeset } from './changesets.ts';
import { changelogBody, releaseNotes } from './changelog.ts';
import { nextCalver } from './calver.ts';
import type { PackageRelease, PlanVersionOptions, VersionPlan } from './types.ts';

/** Reads the workspace, its changesets and git tags, and plans the release. Writes nothing. */
export async function planVersion(opts: PlanVersionOptions): Promise<VersionPlan> {
  const workspace = await loadWorkspace(opts.repoDir);
  if (!workspace.names.includes(opts.releasePackage)) {
    throw new Failure(`the release package '${opts.releasePackage}' is not in the workspace; packages: ${workspace.names.join(', ')}`, {
      hint: 'Set versioning.releasePackage in the Slipway config to the package whose version names the release.',
    });
  }
  if (existsSync(join(opts.repoDir, '.changeset', 'pre.json'))) {
    throw new Failure('changesets prerelease mode (.changeset/pre.json) is not supported', {
      hint: 'Leave prerelease mode (delete .changeset/pre.json, or run `changeset pre exit` locally); use snapshot releases for builds off main.',
    });
  }
  const changesets = await readPendingChangesets(opts.repoDir, workspace.names);
  const tags = await listTags(opts.repoDir);
  const shortCommit = opts.snapshot ? shortSha(opts.snapshot.commit) : undefined;
  let releases = assemble(changesets, workspace, opts.scheme === 'semver' ? shortCommit : undefined);

  if (opts.scheme === 'calver') {
    const currentVersions = workspace.packages.packages.map((pkg) => pkg.packageJson.version);
    const month = nextCalver(opts.date, [...currentVersions, ...tags]);
    const version = shortCommit ? `${month}-snapshot-${shortCommit}` : month;
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
  };
}

/** changesets' plan: bump types from the changesets, fixed/linked groups and dependents applied. */
function assemble(changesets: Changeset[], workspace: ChangesetsWorkspace, snapshotCommit: string | undefined): PackageRelease[] {
  const config: ChangesetsConfig = snapshotCommit
    ? { ...workspace.config, snapshot: { useCalculatedVersion: true, prereleaseTemplate: '{tag}-{commit}' } }
    : workspace.config;
  let plan;
  try {
    plan = assembleReleasePlan(
      changesets,
      workspace.packages,
      config,
      undefined,
      snapshotCommit ? { tag: 'snapshot', commit: snapshotCommit } : undefined,
    );
  } catch (error) {
    throw new Failure(`changesets could not plan the release: ${(error as Error).message.split('\n')[0]}`, {
      details: (error as Error).message.split('\n'),
      hint: 'Check .changeset/config.json (fixed, linked, ignore) against the packages the changesets name.',
    });
  }
  return plan.releases
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
