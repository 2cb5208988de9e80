import type { Config } from '../../config/schema.ts';
import type { ClusterConfig } from '../../config/cluster-schema.ts';
import { targetEnvironment } from '../../config/environments.ts';
import { Failure } from '../../shared/feedback/failure.ts';

/** The jobs of the generated workflow. */
export type JobId = 'ci' | 'release' | 'release-half' | 'approve' | 'rollback';
export type ReleaseHalfChain = 'needs' | 'dispatch';

/** What `slipway init github` learns from the repository (read by repository-facts.ts). */
export interface RepositoryFacts {
  packageManager: {
    name: 'npm' | 'yarn' | 'pnpm';
    berry: boolean;
    /** The root package.json's "packageManager" (corepack's pin), e.g. "pnpm@9.15.0". */
    pinned?: string;
    /** pnpm's version on this machine, for a repository that pins none. */
    installedPnpm?: string;
  };
  /** owner/name of the origin remote, when it is on github.com. */
  originRepository?: string;
  /** The origin's default branch (refs/remotes/origin/HEAD), when the clone knows it. */
  originDefaultBranch?: string;
  /** The repository's Node version file, for setup-node. */
  nodeVersionFile?: '.nvmrc' | '.node-version';
  /** Whether the root package.json depends on slipway: the jobs run that one. */
  slipwayDependency: boolean;
  /** The kubeconfig files environments name (cluster.path) that are committed, and whether one authenticates through AWS (EKS). */
  committedKubeconfigs: Record<string, { callsAws: boolean }>;
}

/** A value the workflow hands a job: a secret or a variable of the repository (or of a GitHub environment). */
export interface Credential {
  /** The secret's or variable's name, and the environment variable it is given as (unless `env` names another). */
  name: string;
  /** The environment variable it is given as, when not its name. */
  env?: string;
  kind: 'secret' | 'variable';
  /** What it is, for the setup checklist. */
  purpose: string;
  jobs: JobId[];
  /** Who reads it: Slipway (in its step's environment), or a step of the workflow (AWS, the kubeconfig). */
  readBy: 'slipway' | 'workflow';
}

/** Everything the workflow and its setup checklist are made from; both are derived from this alone. */
export interface GitHubWiring {
  /** owner/name, when the configuration or the origin remote says. */
  repository?: string;
  /** How Slipway authenticates to GitHub: the token Actions issues, another token (forge.tokenEnv), or a GitHub App. */
  githubAuth: 'actions-token' | 'token' | 'app';
  mainBranch: string;
  nodeVersionFile?: '.nvmrc' | '.node-version';
  packageManager: { name: 'npm' | 'yarn' | 'pnpm'; berry: boolean; pnpmVersion?: string };
  releaseHalf: ReleaseHalfChain;
  /** The approve job's choices; undefined when there is no configuration (the environment is typed in). */
  manualEnvironments?: string[];
  /** Every environment, the rollback job's choices; undefined when there is no configuration. */
  environments?: string[];
  /** The environment a release half deploys to first. */
  firstEnvironment?: string;
  credentials: Credential[];
  /** Where the kubeconfig from KUBECONFIG_DATA is written: '' for a file named by KUBECONFIG, else a configured path. */
  kubeconfigDestinations: string[];
  /** AWS through OIDC: which jobs, and what the role must be allowed, by the setting that needs it. */
  aws?: { jobs: JobId[]; reasons: string[]; region?: string };
  /** Jobs that start Chromium (browser tests, browser smoke checks). */
  browserJobs: JobId[];
  /** The deploying jobs run on a self-hosted runner (an environment reaches its cluster in-cluster). */
  selfHostedDeploys: boolean;
  /** How many runners the pull-request checks are sharded over (ci.shards), when more than one. */
  shards?: number;
  /** The pull-request job needs the whole history (changed lines are judged against the merge base). */
  ciNeedsHistory: boolean;
  /** Images go to ghcr.io, with GITHUB_TOKEN. */
  ghcr: boolean;
  /** Things the developer must know or do that no secret or setting covers. */
  notes: string[];
}

/** Slack settings, read defensively until the notify schema lands. */
interface NotifySettings {
  notify?: { slack?: { webhookUrlEnv?: string } };
}

export interface WiringInput {
  /** The validated configuration, when the repository has one. */
  config?: Config;
  /** Its file name, for messages. */
  configFile?: string;
  facts: RepositoryFacts;
  /** `--release-half`, when given. */
  releaseHalf?: string;
}

const buildingJobs: JobId[] = ['ci', 'release', 'release-half'];
const trustedBuildingJobs: JobId[] = ['release', 'release-half'];
const deployingJobs: JobId[] = ['release-half', 'approve', 'rollback'];
const pipelineJobs: JobId[] = ['release', 'release-half', 'approve', 'rollback'];
const allJobs: JobId[] = ['ci', 'release', 'release-half', 'approve', 'rollback'];

/** AWS credentials come from OIDC; a long-lived key the configuration declares is not passed on. */
const awsKeyNames = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);

/** PURE: what the workflow needs, from the configuration and the repository. */
export function planGitHubWiring(input: WiringInput): GitHubWiring {
  const { config, facts } = input;
  const settings = (config ?? {}) as NotifySettings;
  const githubForge = config?.forge.kind === 'github' ? config.forge : undefined;
  const configName = input.configFile ?? 'slipway.config';
  const needs = new WiringNeeds();
  const tokenEnv = githubForge?.tokenEnv ?? 'GITHUB_TOKEN';
  wireForge(tokenEnv, githubForge?.app, needs);
  if (settings.notify?.slack) wireSlack(settings.notify.slack.webhookUrlEnv ?? 'SLACK_WEBHOOK_URL', needs);
  if (config) {
    wireCache(config, needs);
    wireDeclaredVariables(config, needs);
    wireRegistry(config, needs);
    for (const [name, environment] of Object.entries(config.environments))
      if (environment.cluster) wireCluster(environment.cluster, `environments.${name}.cluster`, environment.namespace, facts, needs);
    if (!githubForge)
      needs.notes.push(
        `${configName} sets no forge: { kind: 'github', repository: 'owner/name' }: releases, checks and deployments go to Slipway's local forge on the runner, not to GitHub`,
      );
  } else
    needs.notes.push(
      'the repository has no slipway.config: slipway ci works with defaults, but slipway run needs services, environments and a GitHub forge; run slipway init github --force after writing it, so the jobs get what it uses',
    );
  wireAwsVariables(needs);

  return {
    repository: githubForge?.repository ?? facts.originRepository,
    githubAuth: githubForge?.app ? 'app' : tokenEnv !== 'GITHUB_TOKEN' ? 'token' : 'actions-token',
    mainBranch: mainBranchOf(config, facts, configName),
    nodeVersionFile: facts.nodeVersionFile,
    packageManager: packageManagerWiring(facts.packageManager),
    releaseHalf: releaseHalfChain(githubForge?.releaseHalf, input.releaseHalf, configName),
    manualEnvironments: config
      ? Object.entries(config.environments)
          .filter(([, environment]) => environment.gate === 'manual')
          .map(([name]) => name)
      : undefined,
    environments: config ? Object.keys(config.environments) : undefined,
    firstEnvironment: config && Object.keys(config.environments).length ? targetEnvironment(config) : undefined,
    credentials: needs.credentials(),
    kubeconfigDestinations: [...needs.kubeconfigDestinations],
    aws: needs.aws,
    browserJobs: [
      ...(config?.browserTests ? (['ci', 'release'] as JobId[]) : []),
      ...(config?.smoke.some((check) => check.browser) ? (['release-half', 'approve', 'rollback'] as JobId[]) : []),
    ],
    selfHostedDeploys: Object.values(config?.environments ?? {}).some((environment) => environment.cluster?.provider === 'in-cluster'),
    shards: sharded(config),
    ciNeedsHistory: config?.coverage.changedLines !== undefined,
    ghcr: isGhcr(config?.registry.url ?? 'local'),
    notes: needs.notes,
  };
}

function wireForge(tokenEnv: string, app: Record<string, unknown> | undefined, needs: WiringNeeds): void {
  if (tokenEnv !== 'GITHUB_TOKEN')
    needs.credential('forge.tokenEnv', {
      name: tokenEnv,
      kind: 'secret',
      purpose:
        'the GitHub token Slipway reports with (forge.tokenEnv): a fine-grained token with Contents, Checks, Commit statuses, Deployments and Pull requests read and write',
      jobs: allJobs,
      readBy: 'slipway',
    });
  // The App's credentials are read from the variables its settings name (…Env).
  for (const [key, value] of Object.entries(app ?? {}))
    if (key.endsWith('Env') && typeof value === 'string')
      needs.credential(`forge.app.${key}`, {
        name: value,
        kind: 'secret',
        purpose: `the GitHub App's ${key.slice(0, -3)} (forge.app.${key})`,
        jobs: allJobs,
        readBy: 'slipway',
      });
}

function wireSlack(webhookUrlEnv: string, needs: WiringNeeds): void {
  needs.credential('notify.slack.webhookUrlEnv', {
    name: webhookUrlEnv,
    kind: 'secret',
    purpose: "the Slack incoming webhook's URL (notify.slack)",
    jobs: pipelineJobs,
    readBy: 'slipway',
  });
}

/**
 * The signing key goes only to jobs that run trusted code (pushes to main, as the README's
 * security model asks). Pull requests read the bucket when they can verify without it (Ed25519,
 * against the public key in the configuration); with HMAC they would need the key, which could
 * sign, so they do without the remote cache.
 */
function wireCache(config: Config, needs: WiringNeeds): void {
  const remote = config.cache.remote;
  if (!remote) {
    if (sharded(config))
      needs.notes.push(
        'ci.shards needs cache.remote: the shards share their builds and results through it, and without one every shard fails',
      );
    return;
  }
  const signedByKeyPair = remote.publicKey !== undefined;
  // Shards share their builds and records through the bucket: the pull-request jobs write to it,
  // under their own run's prefix and with a key of their own, never where trusted runs read.
  const shardWriters: JobId[] = sharded(config) ? ['ci'] : [];
  const readers = signedByKeyPair || shardWriters.length ? buildingJobs : trustedBuildingJobs;
  if (shardWriters.length && signedByKeyPair)
    throw new Failure('ci.shards with cache.remote.publicKey: pull-request shards cannot share their builds', {
      details: [
        'the shards sign what they share with a key of their own, never the private key of cache.remote.publicKey (pull requests must not hold it), and that public key verifies only what its private key signed',
      ],
      hint: 'shard pull requests with an HMAC-signed cache (cache.remote without publicKey, SLIPWAY_CACHE_KEY on trusted jobs only), or set ci.shards to 1',
    });
  if (shardWriters.length) {
    needs.notes.push(
      `ci.shards: the pull-request checks run on ${config.ci.shards} runners that share builds and results through the remote cache, under ${remote.prefix ?? ''}shard-runs/<workflow run id>/ of the bucket, signed with SLIPWAY_SHARD_CACHE_KEY: runs on main never read there, and pull requests never hold SLIPWAY_CACHE_KEY; a fork's pull request gets no secret and cannot be sharded`,
    );
    needs.credential('ci.shards', {
      name: 'SLIPWAY_SHARD_CACHE_KEY',
      env: 'SLIPWAY_CACHE_KEY',
      kind: 'secret',
      purpose:
        "an HMAC key (at least 32 characters) of the pull-request shards' own, not SLIPWAY_CACHE_KEY's value: what they share is signed with it",
      jobs: shardWriters,
      readBy: 'slipway',
    });
  }
  if (!(signedByKeyPair && remote.write === false))
    needs.credential('cache.remote', {
      name: 'SLIPWAY_CACHE_KEY',
      kind: 'secret',
      purpose: signedByKeyPair
        ? 'the Ed25519 private key (PEM) that signs remote cache entries'
        : 'the HMAC key (at least 32 characters) that signs and verifies remote cache entries, the one every machine sharing the bucket uses',
      jobs: trustedBuildingJobs,
      readBy: 'slipway',
    });
  if (!signedByKeyPair && !shardWriters.length)
    needs.notes.push(
      'cache.remote signs with an HMAC key, which could sign as well as verify, so pull requests (slipway ci) do not get it and build without the remote cache; with cache.remote.publicKey (Ed25519) they read it holding no secret',
    );
  if (remote.endpoint === undefined) {
    needs.needAws(
      readers,
      `cache.remote (the S3 bucket ${remote.bucket}): s3:ListBucket on it, s3:GetObject and s3:PutObject on ${remote.bucket}/${remote.prefix ?? ''}*`,
      remote.region,
    );
    return;
  }
  // Another S3 server has no OIDC: its keys are the only way in (the SDK reads them by these names).
  for (const [name, what] of [
    ['AWS_ACCESS_KEY_ID', 'access key id'],
    ['AWS_SECRET_ACCESS_KEY', 'secret access key'],
  ])
    needs.credential('cache.remote.endpoint', {
      name,
      kind: 'secret',
      purpose: `the ${what} of the S3 server ${remote.endpoint} (cache.remote.endpoint; not AWS)`,
      jobs: readers,
      readBy: 'slipway',
    });
}

/** The variables the configuration says builds read (tasks.env, secrets); AWS keys among them are for AWS, which OIDC serves. */
function wireDeclaredVariables(config: Config, needs: WiringNeeds): void {
  const leftOut = new Set<string>();
  const passed = (name: string) => {
    if (!awsKeyNames.has(name) || config.cache.remote?.endpoint !== undefined) return true;
    leftOut.add(name);
    return false;
  };
  for (const variable of config.tasks.env.filter((entry) => passed(entry.name)))
    needs.credential('tasks.env', {
      name: variable.name,
      kind: variable.public ? 'variable' : 'secret',
      purpose: 'an input of every build (tasks.env): your builds and tests read it',
      jobs: buildingJobs,
      readBy: 'slipway',
    });
  for (const name of config.secrets.filter(passed))
    needs.credential('secrets', {
      name,
      kind: 'secret',
      purpose: 'declared in secrets: your builds and tests read it',
      jobs: buildingJobs,
      readBy: 'slipway',
    });
  if (leftOut.size)
    needs.notes.push(
      `${[...leftOut].join(', ')} ${leftOut.size > 1 ? 'are' : 'is'} not passed to the jobs: AWS credentials come from OIDC (aws-actions/configure-aws-credentials), never from long-lived keys`,
    );
}

function isGhcr(registryUrl: string): boolean {
  return /^(https?:\/\/)?ghcr\.io(\/|$)/.test(registryUrl);
}

/** ghcr.io takes GITHUB_TOKEN; another registry its own user and password; a local one cannot reach the next job. */
function wireRegistry(config: Config, needs: WiringNeeds): void {
  const registry = config.registry.url;
  if (isGhcr(registry)) return;
  if (registry === 'local' || registry === 'oci-layout') {
    if (Object.keys(config.services).length)
      needs.notes.push(
        `registry.url is "${registry}": images stay on the runner that built them, and the release half runs on another; set registry.url to ghcr.io/<owner>`,
      );
    return;
  }
  needs.credential('registry.url', {
    name: 'SLIPWAY_REGISTRY_USERNAME',
    kind: 'variable',
    purpose: `the user Slipway pushes and pulls images at ${registry} as`,
    jobs: pipelineJobs,
    readBy: 'slipway',
  });
  needs.credential('registry.url', {
    name: 'SLIPWAY_REGISTRY_PASSWORD',
    kind: 'secret',
    purpose: `the password or token for ${registry}`,
    jobs: pipelineJobs,
    readBy: 'slipway',
  });
}

/** The variables that say which role to assume, once any job needs AWS. */
function wireAwsVariables(needs: WiringNeeds): void {
  if (!needs.aws) return;
  const { jobs, region } = needs.aws;
  needs.credential('aws', {
    name: 'AWS_ROLE_ARN',
    kind: 'variable',
    purpose: 'the IAM role the jobs assume through GitHub OIDC',
    jobs,
    readBy: 'workflow',
  });
  needs.credential('aws', {
    name: 'AWS_REGION',
    kind: 'variable',
    purpose: region ? `the AWS region (${region}, cache.remote.region)` : 'the AWS region, e.g. us-east-1',
    jobs,
    readBy: 'workflow',
  });
}

/** How the deploying jobs reach one environment's cluster. */
function wireCluster(cluster: ClusterConfig, setting: string, namespace: string, facts: RepositoryFacts, needs: WiringNeeds): void {
  if (cluster.provider === 'in-cluster') {
    needs.notes.push(
      `${setting} is in-cluster: the deploying jobs run on a self-hosted runner (runs-on: self-hosted) inside that cluster, with Node and the package manager available`,
    );
    return;
  }
  if (cluster.provider === 'kubeconfig') {
    if (cluster.path === undefined) return needs.kubeconfigAt('', setting);
    const committed = facts.committedKubeconfigs[cluster.path];
    if (committed?.callsAws)
      needs.needAws(
        deployingJobs,
        `${setting}.path (${cluster.path} authenticates through AWS): an EKS access entry for the role on that cluster, allowed to deploy to namespace ${namespace}`,
      );
    if (committed) return;
    needs.kubeconfigAt(cluster.path, setting);
    needs.notes.push(
      `${setting}.path ${cluster.path} is not committed: the deploying jobs write KUBECONFIG_DATA there; if that kubeconfig authenticates through AWS (EKS's aws eks get-token), commit it instead (an EKS kubeconfig holds no credential) and run slipway init github again, so the jobs get AWS credentials through OIDC`,
    );
    return;
  }
  needs.notes.push(
    `${setting} uses Lightkeeper: the deploying jobs need its CLI (${cluster.executable}) on the runner's PATH, which GitHub-hosted runners do not have; install it in a step before Slipway's`,
  );
  if (cluster.tokenFile !== undefined) {
    needs.notes.push(
      `${setting}.tokenFile ${cluster.tokenFile} must exist on the runner (a self-hosted runner's mounted secret); on GitHub-hosted runners remove tokenFile and set the secret ${cluster.tokenEnv}`,
    );
    return;
  }
  needs.credential(`${setting}.tokenEnv`, {
    name: cluster.tokenEnv,
    kind: 'secret',
    purpose: `the Lightkeeper API token for cluster ${cluster.cluster} (${setting}.tokenEnv)`,
    jobs: deployingJobs,
    readBy: 'slipway',
  });
}

function packageManagerWiring(pm: RepositoryFacts['packageManager']): GitHubWiring['packageManager'] {
  if (pm.name !== 'pnpm') return { name: pm.name, berry: pm.berry };
  // pnpm/action-setup reads the pin itself, and refuses a second version beside it.
  if (pm.pinned?.startsWith('pnpm@')) return { name: 'pnpm', berry: false };
  if (pm.installedPnpm) return { name: 'pnpm', berry: false, pnpmVersion: pm.installedPnpm };
  throw new Failure("pnpm's version is unknown: package.json pins no packageManager and pnpm is not installed here", {
    details: ['pnpm/action-setup installs pnpm on the runner, and needs its version'],
    hint: 'add "packageManager": "pnpm@<version>" to the root package.json (corepack and pnpm/action-setup read it), then run slipway init github again',
  });
}

/** The branch releases are made from: the configuration's, which must be the one GitHub pushes to. */
function mainBranchOf(config: Config | undefined, facts: RepositoryFacts, configName: string): string {
  if (!facts.slipwayDependency) {
    throw new Failure('slipway is not a dependency of this repository, so the workflow would have no Slipway to run', {
      details: [
        'each job installs the lockfile and runs `npx --no-install slipway`: the version the repository pins, never one fetched by name',
      ],
      hint: 'add slipway to the root package.json devDependencies (with your package manager, from the registry, a tarball or a git URL), commit the lockfile, then run slipway init github again',
    });
  }
  const configured = config?.coverage.mainBranch;
  if (configured && facts.originDefaultBranch && facts.originDefaultBranch !== configured) {
    throw new Failure(`origin's default branch is ${facts.originDefaultBranch}, but ${configName} releases from ${configured}`, {
      details: ['the workflow runs releases on pushes to that branch, and `slipway run` pushes the version commit to it'],
      hint: `set coverage.mainBranch: '${facts.originDefaultBranch}' in ${configName} (it defaults to main), then run slipway init github again`,
    });
  }
  return configured ?? facts.originDefaultBranch ?? 'main';
}

function releaseHalfChain(configured: string | undefined, flag: string | undefined, configName: string): ReleaseHalfChain {
  if (flag !== undefined && flag !== 'needs' && flag !== 'dispatch')
    throw new Failure(`--release-half must be needs or dispatch, not "${flag}"`, {
      hint: 'needs: the release half is a job of the same run; dispatch: Slipway starts it with a repository_dispatch event',
    });
  if (configured !== undefined && flag !== undefined && configured !== flag)
    throw new Failure(
      `--release-half ${flag} contradicts forge.releaseHalf "${configured}" in ${configName} (the default when it is not set)`,
      {
        details: ['slipway run starts the release half the way the configuration says; the workflow must wait for it the same way'],
        hint: `drop --release-half, or change forge.releaseHalf to "${flag}"`,
      },
    );
  const chain = configured ?? flag ?? 'needs';
  if (chain !== 'needs' && chain !== 'dispatch')
    throw new Failure(`forge.releaseHalf in ${configName} is "${chain}": the workflow can start the release half by needs or dispatch`, {
      details: [
        'with "webhook", the release half runs in a `slipway serve` that GitHub delivers the release webhook to (a GitHub App or repository webhook), not in this workflow',
      ],
      hint: `set forge.releaseHalf to "needs" (a job after the release job) or "dispatch" (a repository_dispatch) to run it in Actions`,
    });
  return chain;
}

/** Names GitHub accepts for secrets and variables: letters, digits and underscores, not starting with a digit or GITHUB_. */
function nameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return 'GitHub secret and variable names are letters, digits and underscores, not starting with a digit';
  if (/^GITHUB_/i.test(name)) return 'names starting with GITHUB_ are reserved by GitHub';
  return undefined;
}

/** What the settings ask of the workflow, collected as each is read. */
class WiringNeeds {
  readonly notes: string[] = [];
  readonly kubeconfigDestinations = new Set<string>();
  /** AWS through OIDC: the jobs that assume the role, and what it must be allowed. */
  aws: GitHubWiring['aws'];
  private readonly byName = new Map<string, Credential>();

  /** A credential by name: one asked for twice is one secret, given to the jobs of both. */
  credential(setting: string, credential: Credential): void {
    // Actions issues it to every job.
    if (credential.name === 'GITHUB_TOKEN') return;
    const problem = nameProblem(credential.name);
    if (problem)
      throw new Failure(`${setting} names the variable "${credential.name}", which cannot be a GitHub secret or variable`, {
        details: [problem],
        hint: `rename it in the configuration (e.g. ${credential.name.replace(/^GITHUB_/i, 'GH_').replace(/[^A-Za-z0-9_]/g, '_')})`,
      });
    const known = this.byName.get(credential.name);
    this.byName.set(credential.name, known ? { ...known, jobs: unionOfJobs(known.jobs, credential.jobs) } : credential);
  }

  credentials(): Credential[] {
    return [...this.byName.values()];
  }

  /** The deploying jobs write KUBECONFIG_DATA here ('' for a file KUBECONFIG names). */
  kubeconfigAt(destination: string, setting: string): void {
    if (destination.includes('${{'))
      throw new Failure(`${setting}.path contains "\${{", which GitHub Actions would evaluate as an expression`, {
        hint: 'name the kubeconfig file with a plain path',
      });
    this.kubeconfigDestinations.add(destination);
    this.credential(setting, {
      name: 'KUBECONFIG_DATA',
      kind: 'secret',
      purpose: 'the kubeconfig the deploying jobs write for Slipway: the whole YAML file, with a context for every environment it serves',
      jobs: deployingJobs,
      readBy: 'workflow',
    });
  }

  needAws(jobs: JobId[], reason: string, region?: string): void {
    this.aws = {
      jobs: unionOfJobs(this.aws?.jobs ?? [], jobs),
      reasons: [...(this.aws?.reasons ?? []), reason],
      region: this.aws?.region ?? region,
    };
  }
}

/** Both lists' jobs, in the workflow's order. */
function unionOfJobs(some: JobId[], others: JobId[]): JobId[] {
  return allJobs.filter((job) => some.includes(job) || others.includes(job));
}

/** ci.shards when it spreads the checks over more than one runner. */
function sharded(config: Config | undefined): number | undefined {
  const shards = config?.ci.shards;
  return shards !== undefined && shards > 1 ? shards : undefined;
}
