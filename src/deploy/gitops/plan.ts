import type { GitOpsConfig } from '../../config/gitops-schema.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import { approveCommand } from '../promotion/plan.ts';
import type { DeployRequest } from '../target.ts';

/** The trailers a release's commit carries, read back by `status` to say which release a commit deployed. */
export const releaseTrailer = 'Slipway-Release';
export const sourceTrailer = 'Slipway-Commit';

/**
 * The commit that puts a release into an environment: its subject names the release (and, for a
 * rollback, the release it replaces, with the reason), its body the source commit and every image
 * by digest, so the deploy repository's log alone says what runs.
 */
export function releaseCommitMessage(
  project: string,
  environment: string,
  release: ReleaseManifest,
  rollback?: DeployRequest['rollback'],
): string {
  const images = Object.entries(release.images)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, image]) => `- ${service}: ${image.reference}`);
  return [
    rollback
      ? `Roll back ${project} ${environment} from ${rollback.from} to ${release.tag}`
      : `Deploy ${project} ${release.tag} to ${environment}`,
    '',
    ...(rollback ? [`Rolled back: ${rollback.reason}`, ''] : []),
    `Release ${release.tag} (${project} ${release.version}), built from commit ${release.commit}.`,
    '',
    'Images:',
    ...images,
    '',
    `${releaseTrailer}: ${release.tag}`,
    `${sourceTrailer}: ${release.commit}`,
    '',
  ].join('\n');
}

/** The commit that puts back what an environment's directory held before a release that did not sync. */
export function putBackCommitMessage(project: string, environment: string, release: ReleaseManifest, cause: string): string {
  return `Put back ${environment} as it was before ${project} ${release.tag}\n\n${release.tag} did not sync: ${cause}\n`;
}

/** The commit that takes the project out of an environment (`slipway env down`). */
export function removalCommitMessage(project: string, environment: string): string {
  return `Remove ${project} from ${environment}\n`;
}

/** Where a release waits for review before it enters a manual-gate environment: "slipway/prod/v1.2.0". */
export function reviewBranch(environment: string, tag: string): string {
  return `slipway/${environment}/${tag}`;
}

/** The Argo CD Application that syncs the environment's path: configured, else "<project>-<environment>". */
export function applicationName(project: string, environment: string, gitops: GitOpsConfig): string {
  return gitops.application ?? `${project}-${environment}`;
}

/** The pull request that proposes a release for a manual-gate environment. */
export function reviewRequest(project: string, environment: string, release: ReleaseManifest, gitops: GitOpsConfig) {
  const branch = reviewBranch(environment, release.tag);
  return {
    branch,
    title: `Deploy ${project} ${release.tag} to ${environment}`,
    body: [
      `Slipway proposes ${project} ${release.tag} (commit ${release.commit}) for ${environment}: it replaces \`${gitops.path}\`.`,
      '',
      `Merge this pull request into \`${gitops.branch}\`, then run \`${approveCommand(environment, release.tag)}\`: Slipway checks the merge and waits for Argo CD to sync it.`,
    ].join('\n'),
  };
}

/**
 * A remote as messages may name it: credentials in a URL are left out (`https://***@host/…`).
 * The credentials themselves are registered with the redactor too; this keeps them out of
 * messages built before any redactor sees them.
 */
export function displayRemote(remote: string): string {
  return remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** The secrets a remote URL carries (`https://user:token@host`, `https://token@host`): masked wherever they would appear. */
export function remoteCredentials(remote: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(remote);
  if (!match) return [];
  const [user, password] = match[1].split(':');
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  // A user alone is a token (`https://<token>@github.com`); beside a password it is a name (x-access-token, oauth2), not masked.
  const secret = password ?? user;
  return secret ? [...new Set([secret, decode(secret)])] : [];
}

/** Whether a configured repository is a remote URL (`https://…`, `ssh://…`, `git@host:path`) rather than a path. */
export function isRemoteUrl(repository: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[\w.-]+@[\w.-]+:/.test(repository);
}
