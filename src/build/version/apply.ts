import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import applyReleasePlan from '@changesets/apply-release-plan';
import { writeFileAtomic } from '../../shared/fs.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { loadWorkspace } from './workspace.ts';
import { changesetFile, readPendingChangesets } from './changesets.ts';
import { changelogBody, prependChangelog } from './changelog.ts';
import type { VersionPlan } from './types.ts';

type ReleasePlan = Parameters<typeof applyReleasePlan>[0];

/**
 * Carries out a plan from planVersion with changesets' own applier: package.json versions and
 * internal dependency ranges, CHANGELOG.md entries, and removal of the consumed changesets (a
 * snapshot plan writes versions only). Returns the changed files, relative to repoDir, sorted.
 */
export async function applyVersion(repoDir: string, plan: VersionPlan): Promise<string[]> {
  const workspace = await loadWorkspace(repoDir);
  const packageJsons = new Map(workspace.packages.packages.map((pkg) => [pkg.packageJson.name, pkg]));
  for (const release of plan.releases) {
    const current = packageJsons.get(release.name)?.packageJson.version;
    if (current !== release.oldVersion) {
      throw new Failure(
        `the version plan is stale: '${release.name}' is at ${current ?? 'nothing (package gone)'}, the plan expected ${release.oldVersion}`,
        {
          hint: 'Plan the version again from the current checkout.',
        },
      );
    }
  }
  const pending = await readPendingChangesets(repoDir, workspace.names);
  const changesets = pending.filter((changeset) => plan.changesetFiles.includes(changesetFile(changeset.id)));
  const missing = plan.changesetFiles.filter((file) => !changesets.some((changeset) => changesetFile(changeset.id) === file));
  if (missing.length > 0) {
    throw new Failure(`the version plan is stale: changeset ${missing.join(', ')} is gone`, {
      hint: 'Plan the version again from the current checkout.',
    });
  }

  // Entries are written from the package.json files as they were before the bump.
  const bodies = plan.releases
    .filter((release) => release.type !== 'none')
    .map((release) => ({ release, body: changelogBody(release, changesets, packageJsons.get(release.name)!.packageJson, plan.releases) }));

  const releasePlan: ReleasePlan = {
    changesets: plan.snapshot ? [] : changesets,
    releases: plan.releases.map((release) => ({
      name: release.name,
      type: release.type,
      oldVersion: release.oldVersion,
      newVersion: release.newVersion,
      changesets: changesets
        .filter((changeset) => changeset.releases.some((entry) => entry.name === release.name))
        .map((changeset) => changeset.id),
    })),
    preState: plan.snapshot ? undefined : plan.preState,
  };
  // Changelogs are ours (below): changesets' default formatter is a separate package, @changesets/cli.
  const touched = await applyReleasePlan(
    releasePlan,
    workspace.packages,
    { ...workspace.config, changelog: false, commit: false },
    plan.snapshot || undefined,
  );

  if (!plan.snapshot) {
    for (const { release, body } of bodies) {
      const path = join(packageJsons.get(release.name)!.dir, 'CHANGELOG.md');
      const existing = await readFile(path, 'utf8').catch(() => undefined);
      await writeFileAtomic(path, prependChangelog(existing, release.name, release.newVersion, body));
      touched.push(path);
    }
  }
  return [...new Set(touched.map((path) => relative(repoDir, path).split('\\').join('/')))].sort();
}
