import type { Credential, GitHubWiring, JobId } from './github-wiring.ts';

/** One part of the setup checklist: where in GitHub (or AWS), and what to do there. */
export interface SetupSection {
  title: string;
  items: string[];
}

/**
 * PURE: what to set up besides the workflow file, from the same wiring the workflow is made
 * from, so the checklist names exactly the secrets, variables and permissions the file uses.
 * Only what is needed is listed.
 */
export function githubSetup(wiring: GitHubWiring): SetupSection[] {
  const sections: SetupSection[] = [
    credentialSection(wiring, 'secret', 'Secrets (Settings > Secrets and variables > Actions > Secrets)'),
    credentialSection(wiring, 'variable', 'Variables (Settings > Secrets and variables > Actions > Variables)'),
    { title: 'GitHub token', items: tokenItems(wiring) },
    { title: 'Environments (Settings > Environments)', items: environmentItems(wiring) },
    { title: 'AWS (OIDC: no access keys)', items: awsItems(wiring) },
    { title: 'Repository settings', items: settingItems(wiring) },
    { title: 'Notes', items: wiring.notes },
  ];
  return sections.filter((section) => section.items.length > 0);
}

function credentialSection(wiring: GitHubWiring, kind: Credential['kind'], title: string): SetupSection {
  return {
    title,
    items: wiring.credentials
      .filter((credential) => credential.kind === kind)
      .map((credential) => `${credential.name}: ${credential.purpose} (jobs: ${credential.jobs.join(', ')})`),
  };
}

function tokenItems(wiring: GitHubWiring): string[] {
  const items = {
    'actions-token': [
      'nothing to create: each job uses the GITHUB_TOKEN Actions issues it, with only the permissions its permissions: block grants',
    ],
    token: ['GITHUB_TOKEN still serves what the jobs permissions: grant (checkout, ghcr.io); Slipway reports with the token named above'],
    app: [
      'install the GitHub App on this repository with Contents, Checks, Commit statuses, Deployments and Pull requests read and write; its credentials are the secrets above',
    ],
  }[wiring.githubAuth];
  if (wiring.releaseHalf === 'dispatch')
    items.push(
      `slipway run starts the release half with a repository_dispatch event (slipway-release); GitHub starts workflows for it even when GITHUB_TOKEN sent it, running the workflow file of the default branch`,
    );
  return items;
}

function environmentItems(wiring: GitHubWiring): string[] {
  if (wiring.manualEnvironments === undefined)
    return [
      "one environment per environment of slipway.config with gate: 'manual', named as there: add required reviewers (who may promote a release) and limit its deployment branches to " +
        wiring.mainBranch,
    ];
  return wiring.manualEnvironments.map(
    (name) =>
      `${name}: add required reviewers (who may promote a release to ${name} or roll it back: the approve and rollback jobs wait for one of them) and limit its deployment branches to ${wiring.mainBranch}`,
  );
}

function awsItems(wiring: GitHubWiring): string[] {
  if (!wiring.aws) return [];
  const repository = wiring.repository ?? 'OWNER/REPO';
  const jobsBySubject = new Map<string, JobId[]>();
  for (const job of wiring.aws.jobs)
    for (const subject of subjectsOf(job, repository, wiring)) jobsBySubject.set(subject, [...(jobsBySubject.get(subject) ?? []), job]);
  const subjects = [...jobsBySubject].map(([subject, jobs]) => `${subject} (${jobs.join(', ')})`);
  return [
    'IAM > Identity providers: add https://token.actions.githubusercontent.com (OpenID Connect) with audience sts.amazonaws.com, if the account does not have it yet',
    `IAM > Roles: a role for web identity from that provider whose trust policy allows token.actions.githubusercontent.com:sub ${subjects.join(', ')}; put its ARN in the variable AWS_ROLE_ARN`,
    ...wiring.aws.reasons.map((reason) => `allow the role ${reason}`),
  ];
}

/** The OIDC subjects GitHub puts in a job's token: a job with an environment is identified by it. */
function subjectsOf(job: JobId, repository: string, wiring: GitHubWiring): string[] {
  if (job === 'ci') return [`repo:${repository}:pull_request`];
  if (job === 'approve') return (wiring.manualEnvironments ?? ['<environment>']).map((name) => `repo:${repository}:environment:${name}`);
  if (job === 'rollback') return (wiring.environments ?? ['<environment>']).map((name) => `repo:${repository}:environment:${name}`);
  return [`repo:${repository}:ref:refs/heads/${wiring.mainBranch}`];
}

function settingItems(wiring: GitHubWiring): string[] {
  const actions = [
    'actions/checkout',
    'actions/setup-node',
    ...(wiring.packageManager.name === 'pnpm' ? ['pnpm/action-setup'] : []),
    ...(wiring.aws ? ['aws-actions/configure-aws-credentials'] : []),
  ];
  return [
    `Actions > General: if the repository or organization limits which actions may run, allow ${actions.join(', ')}`,
    ...(wiring.ghcr
      ? [
          "Packages: an image package that exists already on ghcr.io (pushed some other way) needs this repository given Write under the package's Settings > Manage Actions access; one the workflow creates is linked to it",
        ]
      : []),
    ...(wiring.selfHostedDeploys
      ? ['Actions > Runners: register a self-hosted runner, inside the cluster, for the deploying jobs (release-half, approve, rollback)']
      : []),
  ];
}
