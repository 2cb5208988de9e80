import type { PreState } from './pre-state.ts';

export type BumpType = 'major' | 'minor' | 'patch' | 'none';

export interface PackageRelease {
  name: string;
  oldVersion: string;
  newVersion: string;
  type: BumpType;
  /** Summaries of the changesets that name this package (empty for dependency-only bumps). */
  summaries: string[];
}

export interface VersionPlan {
  /** The new version of the release package (semver), or the CalVer version shared by all. */
  releaseVersion: string;
  /** `v<releaseVersion>`. */
  tag: string;
  releases: PackageRelease[];
  /** Release notes in Markdown: one section per released package. */
  changelog: string;
  /** Repo-relative paths of the changesets this release consumes (or, for a snapshot, is built from). */
  changesetFiles: string[];
  /** A snapshot plan writes versions only: no CHANGELOG.md, no changeset removed. */
  snapshot: boolean;
  /** Made in changesets' prerelease mode: `1.6.0-rc.0`, CalVer `26.12.2-rc.0`. Released as a prerelease. */
  prerelease: boolean;
  /** In prerelease mode (entered or being left): the .changeset/pre.json the release writes, or removes on exit. */
  preState?: PreState;
}

export interface PlanVersionOptions {
  repoDir: string;
  scheme: 'semver' | 'calver';
  /** The package whose version names the release (semver). */
  releasePackage: string;
  /** The release date: picks the CalVer month. */
  date: Date;
  /** Off `main`: a prerelease `<version>-snapshot-<first 7 of commit>` that consumes nothing. */
  snapshot?: { commit: string };
}
