import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateConfig } from '../../config/validate.ts';
import type { Config } from '../../config/schema.ts';
import { createJsRepository, type JsRepositoryOptions, type LockfileKind } from '../../test-support/js-repository.ts';
import { failureFrom, failureOf } from '../../test-support/failure-of.ts';
import { workflowProblems } from '../../test-support/workflow-parser.ts';
import { githubSetup } from './github-setup.ts';
import { planGitHubWiring, type GitHubWiring } from './github-wiring.ts';
import { workflowFileText } from './github-workflow.ts';
import { githubRepositoryOf, readRepositoryFacts } from './repository-facts.ts';

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  environment?: string;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; types?: string[]; inputs?: Record<string, { type: string; options?: string[] }> }>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

interface Generated {
  text: string;
  workflow: Workflow;
  wiring: GitHubWiring;
  problems: string[];
}

interface Shape extends JsRepositoryOptions {
  forge?: Record<string, unknown>;
  /** Added beside the validated configuration until the notify schema lands. */
  notify?: Record<string, unknown>;
  /** --release-half */
  releaseHalf?: string;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function repository(shape: Shape): Promise<{ dir: string; config?: Config }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-init-github-'));
  dirs.push(dir);
  await createJsRepository(dir, { lockfile: 'npm', ...shape });
  const config =
    shape.config &&
    ({
      ...validateConfig({ ...shape.config, ...(shape.forge && { forge: shape.forge }) }, 'slipway.config.json'),
      notify: shape.notify,
    } as Config);
  return { dir, config };
}

/** The workflow for a repository of this shape, and what GitHub's parser says of it. */
async function generate(shape: Shape): Promise<Generated> {
  const { dir, config } = await repository(shape);
  const facts = await readRepositoryFacts(dir, config);
  const wiring = planGitHubWiring({ config, configFile: config && 'slipway.config.json', facts, releaseHalf: shape.releaseHalf });
  const text = workflowFileText(wiring, config && 'slipway.config.json');
  return { text, workflow: parse(text) as Workflow, wiring, problems: await workflowProblems(text) };
}

const service = { package: '@fixture/app', port: 3000, command: ['node', 'dist/index.js'], health: '/health', routes: ['/'] };
const environments = {
  nonprod: { namespace: 'fixture-nonprod', host: 'nonprod.example.com' },
  staging: { namespace: 'fixture-staging', host: 'staging.example.com', gate: 'manual' },
  prod: { namespace: 'fixture-prod', host: 'example.com', gate: 'manual' },
};
const withClusters = {
  nonprod: { ...environments.nonprod, cluster: { provider: 'kubeconfig', context: 'nonprod' } },
  staging: { ...environments.staging, cluster: { provider: 'kubeconfig', context: 'staging' } },
  prod: { ...environments.prod, cluster: { provider: 'lightkeeper', cluster: 'prod' } },
};
const baseConfig = { project: 'fixture', services: { app: service }, registry: { url: 'ghcr.io/acme' }, environments };
const awsCache = { remote: { bucket: 'fixture-cache', region: 'eu-west-1' } };
const githubForge = { kind: 'github', repository: 'acme/fixture', releaseHalf: 'needs' };

const slipwayStep = (job: Job) => job.steps.find((step) => step.run?.startsWith('npx --no-install slipway'))!;
const stepsOf = (job: Job) => job.steps.map((step) => step.uses ?? step.run);
const envOf = (job: Job) => Object.keys(slipwayStep(job).env ?? {});
const jobsWith = (workflow: Workflow, has: (job: Job) => boolean) =>
  Object.entries(workflow.jobs)
    .filter(([, job]) => has(job))
    .map(([id]) => id);
const installCommand = /\b(npm (ci|install|i)|yarn( install)?|pnpm (install|i))\s*$/m;

describe('slipway init github: the workflow for each package manager', () => {
  const shapes: [LockfileKind, Shape, string[]][] = [
    ['npm', {}, ['actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'npx --no-install slipway ci']],
    [
      'pnpm',
      { packageManager: 'pnpm@9.15.0' },
      [
        'actions/checkout@v4',
        'pnpm/action-setup@v4',
        'actions/setup-node@v4',
        'pnpm install --frozen-lockfile',
        'npx --no-install slipway ci',
      ],
    ],
    ['yarn-classic', {}, ['actions/checkout@v4', 'actions/setup-node@v4', 'yarn install --frozen-lockfile', 'npx --no-install slipway ci']],
    [
      'yarn-berry',
      { packageManager: 'yarn@4.5.0' },
      ['actions/checkout@v4', 'corepack enable', 'actions/setup-node@v4', 'yarn install --immutable', 'npx --no-install slipway ci'],
    ],
  ];

  it.each(shapes)(
    '%s: GitHub parses it without an error; the package manager is set up before setup-node, then the lockfile’s frozen install puts the repository’s own Slipway in place',
    async (lockfile, shape, ciSteps) => {
      const { workflow, problems, text } = await generate({ lockfile, ...shape, config: baseConfig });
      expect(problems).toEqual([]);
      expect(stepsOf(workflow.jobs.ci)).toEqual(ciSteps);
      const setupNode = workflow.jobs.ci.steps.find((step) => step.uses === 'actions/setup-node@v4')!;
      expect(setupNode.with).toEqual({ 'node-version': 20, cache: lockfile.startsWith('yarn') ? 'yarn' : lockfile });
      // The release half installs too (integration tests), with the same toolchain.
      expect(stepsOf(workflow.jobs['release-half']).slice(1, -1)).toEqual(ciSteps.slice(1, -1));
      // One install per job, the frozen one, right before Slipway runs; never `npx slipway` fetching a package by name.
      for (const job of Object.values(workflow.jobs)) {
        const installs = job.steps.filter(
          (step) => installCommand.test(step.run ?? '') || /--frozen-lockfile|--immutable/.test(step.run ?? ''),
        );
        expect(installs.map((step) => step.run)).toEqual([ciSteps.at(-2)]);
        for (const step of job.steps) expect(step.run ?? '').not.toMatch(/npx slipway/);
      }
      expect(text).toMatch(/^# Slipway's pipeline on GitHub Actions, generated by `slipway init github`/);
      expect(text).toContain('npx --no-install slipway init github --force');
    },
  );

  it('installs the pnpm that is installed here when package.json pins none, and none of its own beside a pin', async () => {
    const { dir } = await repository({ lockfile: 'pnpm' });
    const facts = await readRepositoryFacts(dir, undefined);
    const unpinned = planGitHubWiring({ facts: { ...facts, packageManager: { ...facts.packageManager, installedPnpm: '9.12.3' } } });
    expect(parse(workflowFileText(unpinned, undefined)).jobs.ci.steps[1]).toEqual({
      uses: 'pnpm/action-setup@v4',
      with: { version: '9.12.3' },
    });
    const pinned = planGitHubWiring({ facts: { ...facts, packageManager: { ...facts.packageManager, pinned: 'pnpm@9.15.0' } } });
    expect(parse(workflowFileText(pinned, undefined)).jobs.ci.steps[1]).toEqual({ uses: 'pnpm/action-setup@v4' });
  });

  it('says how to pin pnpm when its version cannot be known', async () => {
    const { dir } = await repository({ lockfile: 'pnpm' });
    const facts = await readRepositoryFacts(dir, undefined);
    const failure = failureFrom(() =>
      planGitHubWiring({ facts: { ...facts, packageManager: { name: 'pnpm', berry: false, installedPnpm: undefined } } }),
    );
    expect(failure.specific).toBe("pnpm's version is unknown: package.json pins no packageManager and pnpm is not installed here");
    expect(failure.hint).toContain('"packageManager": "pnpm@<version>"');
  });

  it('refuses a repository without a lockfile, naming what to commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-init-github-'));
    dirs.push(dir);
    await createJsRepository(dir, {});
    const failure = await failureOf(readRepositoryFacts(dir, undefined));
    expect(failure.specific).toBe(`no lockfile at the root of ${dir}`);
    expect(failure.hint).toContain('package-lock.json, yarn.lock or pnpm-lock.yaml');
  });
});

describe('slipway init github: jobs, chaining, permissions and concurrency', () => {
  it('pull requests run slipway ci with read access to contents, cancelling the run a newer push replaces', async () => {
    const { workflow, problems } = await generate({ config: baseConfig });
    expect(problems).toEqual([]);
    expect(workflow.permissions).toEqual({});
    expect(workflow.on.pull_request).toEqual({});
    const ci = workflow.jobs.ci;
    expect(ci.if).toBe("github.event_name == 'pull_request'");
    expect(ci.permissions).toEqual({ contents: 'read', checks: 'write', 'pull-requests': 'write', statuses: 'write' });
    expect(ci.concurrency).toEqual({ group: 'slipway-ci-${{ github.ref }}', 'cancel-in-progress': true });
    expect(slipwayStep(ci).run).toBe('npx --no-install slipway ci');
    expect(slipwayStep(ci).env).toEqual({ GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
  });

  it('with ci.shards, pull requests run a matrix of shards that all finish, then one merge job whatever became of them, with the remote cache', async () => {
    const cache = { remote: { bucket: 'fixture-cache', endpoint: 'https://s3.example.com', write: true } };
    const { workflow, problems, wiring } = await generate({ config: { ...baseConfig, cache, ci: { shards: 3 } } });
    expect(problems).toEqual([]);
    const ci = workflow.jobs.ci as Job & { strategy?: unknown };
    expect(ci.strategy).toEqual({ 'fail-fast': false, matrix: { shard: [1, 2, 3] } });
    expect(slipwayStep(ci).run).toBe('npx --no-install slipway ci --shard ${{ matrix.shard }}/3');
    expect(ci.concurrency.group).toBe('slipway-ci-${{ github.ref }}-${{ matrix.shard }}');
    const merge = workflow.jobs['ci-merge'];
    expect(merge.needs).toEqual(['ci']);
    expect(merge.if).toBe("always() && github.event_name == 'pull_request'");
    expect(slipwayStep(merge).run).toBe('npx --no-install slipway ci --merge');
    // Shards and their merge reach the bucket and sign what they share with a key of their own:
    // the key trusted runs sign with never reaches a pull request's jobs.
    for (const job of [ci, merge]) {
      expect(envOf(job)).toEqual(expect.arrayContaining(['SLIPWAY_CACHE_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
      expect(slipwayStep(job).env?.SLIPWAY_CACHE_KEY).toBe('${{ secrets.SLIPWAY_SHARD_CACHE_KEY }}');
    }
    expect(slipwayStep(workflow.jobs.release).env?.SLIPWAY_CACHE_KEY).toBe('${{ secrets.SLIPWAY_CACHE_KEY }}');
    expect(wiring.notes.join('\n')).toContain('ci.shards: the pull-request checks run on 3 runners');
    expect(wiring.notes.join('\n')).toContain('shard-runs/<workflow run id>/');
    expect(wiring.credentials.map((credential) => credential.name)).toEqual(expect.arrayContaining(['SLIPWAY_SHARD_CACHE_KEY']));

    // A key pair cannot be split that way: refused, saying what to do instead.
    const publicKey =
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';
    const keyPair = { remote: { ...cache.remote, publicKey } };
    await expect(generate({ config: { ...baseConfig, cache: keyPair, ci: { shards: 3 } } })).rejects.toThrow(
      'ci.shards with cache.remote.publicKey: pull-request shards cannot share their builds',
    );

    const single = await generate({ config: { ...baseConfig, cache, ci: { shards: 1 } } });
    expect(single.workflow.jobs['ci-merge']).toBeUndefined();
    expect(slipwayStep(single.workflow.jobs.ci).run).toBe('npx --no-install slipway ci');
  });

  it('pushes to main run slipway run with the whole history, and hand its tag on as the job output', async () => {
    const { workflow } = await generate({ config: baseConfig });
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    const release = workflow.jobs.release;
    expect(release.if).toBe("github.event_name == 'push'");
    expect(release.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(slipwayStep(release)).toMatchObject({
      id: 'run',
      run: 'npx --no-install slipway run',
      env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
    });
    expect(release.outputs).toEqual({ tag: '${{ steps.run.outputs.tag }}' });
    expect(release.permissions).toEqual({
      contents: 'write',
      packages: 'write',
      checks: 'write',
      statuses: 'write',
      'pull-requests': 'write',
    });
    expect(release.concurrency['cancel-in-progress']).toBe(false);
  });

  it('needs: the release half is a job of the same run, started only when a release was drafted', async () => {
    const { workflow, problems } = await generate({ config: baseConfig, forge: githubForge });
    expect(problems).toEqual([]);
    const half = workflow.jobs['release-half'];
    expect(half.needs).toBe('release');
    expect(half.if).toBe("needs.release.outputs.tag != ''");
    expect(slipwayStep(half).run).toBe('npx --no-install slipway release "$RELEASE_TAG"');
    expect(slipwayStep(half).env!.RELEASE_TAG).toBe('${{ needs.release.outputs.tag }}');
    expect(half.permissions).toEqual({ contents: 'write', deployments: 'write', packages: 'write', checks: 'write', statuses: 'write' });
    expect(half.concurrency).toEqual({ group: 'slipway-deploy-nonprod', 'cancel-in-progress': false });
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push', 'workflow_dispatch']);
  });

  it('dispatch: the release half starts on the slipway-release repository_dispatch, at the commit and tag it carries', async () => {
    const { workflow, problems } = await generate({ config: baseConfig, forge: { ...githubForge, releaseHalf: 'dispatch' } });
    expect(problems).toEqual([]);
    expect(workflow.on.repository_dispatch).toEqual({ types: ['slipway-release'] });
    const half = workflow.jobs['release-half'];
    expect(half.needs).toBeUndefined();
    expect(half.if).toBe("github.event_name == 'repository_dispatch'");
    expect(half.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { ref: '${{ github.event.client_payload.commit }}' } });
    expect(slipwayStep(half).run).toBe('npx --no-install slipway release "$RELEASE_TAG"');
    expect(slipwayStep(half).env!.RELEASE_TAG).toBe('${{ github.event.client_payload.tag }}');
  });

  it('takes the chaining from --release-half without a GitHub forge in the configuration, and needs by default', async () => {
    expect((await generate({ releaseHalf: 'dispatch' })).workflow.on.repository_dispatch).toEqual({ types: ['slipway-release'] });
    expect((await generate({})).workflow.jobs['release-half'].needs).toBe('release');
  });

  it('never waits for an event GITHUB_TOKEN caused, whatever the chaining', async () => {
    for (const releaseHalf of ['needs', 'dispatch']) {
      const { workflow } = await generate({ config: baseConfig, releaseHalf });
      expect(Object.keys(workflow.on)).not.toContain('release');
      expect(Object.keys(workflow.on)).not.toContain('workflow_run');
    }
  });

  it('refuses a --release-half that is neither needs nor dispatch, or that contradicts the configuration', async () => {
    const { dir, config } = await repository({ config: baseConfig, forge: { ...githubForge, releaseHalf: 'dispatch' } });
    const facts = await readRepositoryFacts(dir, config);
    const unknown = failureFrom(() => planGitHubWiring({ facts, releaseHalf: 'webhook' }));
    expect(unknown.specific).toBe('--release-half must be needs or dispatch, not "webhook"');
    const contradiction = failureFrom(() => planGitHubWiring({ config, configFile: 'slipway.config.json', facts, releaseHalf: 'needs' }));
    expect(contradiction.specific).toBe(
      '--release-half needs contradicts forge.releaseHalf "dispatch" in slipway.config.json (the default when it is not set)',
    );
    expect(contradiction.hint).toBe('drop --release-half, or change forge.releaseHalf to "needs"');
  });

  it('approvals: a workflow_dispatch naming the manual gates, in a GitHub environment of that name, one deploy at a time per environment', async () => {
    const { workflow } = await generate({ config: baseConfig });
    expect(workflow.on.workflow_dispatch.inputs).toMatchObject({
      action: { type: 'choice', options: ['approve', 'rollback'] },
      environment: { type: 'choice', options: ['nonprod', 'staging', 'prod'] },
      release: { type: 'string', required: false },
      reason: { type: 'string', required: false },
    });
    expect((workflow.on.workflow_dispatch.inputs!.environment as { description?: string }).description).toContain(
      'approve: one with a manual gate, staging or prod',
    );
    const approve = workflow.jobs.approve;
    expect(approve.if).toBe("github.event_name == 'workflow_dispatch' && inputs.action == 'approve'");
    expect(approve.environment).toBe('${{ inputs.environment }}');
    expect(approve.concurrency).toEqual({ group: 'slipway-deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(slipwayStep(approve).run).toBe('npx --no-install slipway approve "$APPROVE_ENVIRONMENT" "$RELEASE_TAG"');
    expect(slipwayStep(approve).env).toMatchObject({
      APPROVE_ENVIRONMENT: '${{ inputs.environment }}',
      RELEASE_TAG: '${{ inputs.release }}',
    });
    expect(approve.permissions).toEqual({ contents: 'read', deployments: 'write', packages: 'read', checks: 'write', statuses: 'write' });
    expect(stepsOf(approve)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'npm ci',
      'npx --no-install slipway approve "$APPROVE_ENVIRONMENT" "$RELEASE_TAG"',
    ]);
  });

  it('rollbacks: the same form rolls any environment back, --to and the reason from its inputs, through env only', async () => {
    const { workflow, problems } = await generate({ config: baseConfig });
    expect(problems).toEqual([]);
    const rollback = workflow.jobs.rollback;
    expect(rollback.if).toBe("github.event_name == 'workflow_dispatch' && inputs.action == 'rollback'");
    expect(rollback.environment).toBe('${{ inputs.environment }}');
    // A rollback and a promotion of one environment never run at once.
    expect(rollback.concurrency).toEqual(workflow.jobs.approve.concurrency);
    expect(slipwayStep(rollback).run).toBe(
      'npx --no-install slipway rollback "$ROLLBACK_ENVIRONMENT" ${RELEASE_TAG:+--to "$RELEASE_TAG"} --reason "$ROLLBACK_REASON"',
    );
    expect(slipwayStep(rollback).env).toMatchObject({
      ROLLBACK_ENVIRONMENT: '${{ inputs.environment }}',
      RELEASE_TAG: '${{ inputs.release }}',
      ROLLBACK_REASON: '${{ inputs.reason }}',
    });
    // contents: write for the note on the rolled-back release.
    expect(rollback.permissions).toEqual({ contents: 'write', deployments: 'write', packages: 'read', checks: 'write', statuses: 'write' });
  });

  it('without a configuration the environment is typed in, and with no manual gate there is nothing to approve', async () => {
    const bare = await generate({});
    expect(bare.problems).toEqual([]);
    expect(bare.wiring.notes).toEqual([
      'the repository has no slipway.config: slipway ci works with defaults, but slipway run needs services, environments and a GitHub forge; run slipway init github --force after writing it, so the jobs get what it uses',
    ]);
    expect(bare.workflow.on.workflow_dispatch.inputs!.environment.type).toBe('string');
    expect(bare.workflow.jobs['release-half'].concurrency.group).toBe('slipway-deploy-pipeline');
    const automatic = await generate({ config: { ...baseConfig, environments: { nonprod: environments.nonprod } } });
    expect(automatic.problems).toEqual([]);
    // Only rolling back is left to dispatch.
    expect(Object.keys(automatic.workflow.jobs)).toEqual(['ci', 'release', 'release-half', 'rollback']);
    expect(automatic.workflow.on.workflow_dispatch.inputs!.action.options).toEqual(['rollback']);
  });

  it('splices no event or input value into a script: each reaches the shell through env', async () => {
    for (const shape of [{}, { config: { ...baseConfig, environments: withClusters } }, { releaseHalf: 'dispatch' }] as Shape[]) {
      const { workflow } = await generate(shape);
      for (const job of Object.values(workflow.jobs)) for (const step of job.steps) expect(step.run ?? '').not.toContain('${{');
    }
  });
});

describe('slipway init github: clusters', () => {
  it('without clusters no job gets cluster credentials', async () => {
    const { workflow, wiring } = await generate({ config: baseConfig });
    expect(wiring.credentials.map((credential) => credential.name)).toEqual([]);
    for (const job of Object.values(workflow.jobs))
      expect(job.steps.map((step) => step.name)).not.toContain('Kubeconfig from KUBECONFIG_DATA');
    expect(workflow.jobs['release-half']['runs-on']).toBe('ubuntu-latest');
  });

  it('with kubeconfig and Lightkeeper clusters only the deploying jobs get KUBECONFIG_DATA and the Lightkeeper token', async () => {
    const { workflow, problems, wiring } = await generate({ config: { ...baseConfig, environments: withClusters } });
    expect(problems).toEqual([]);
    const writing = (step: Step) => step.env?.KUBECONFIG_DATA === '${{ secrets.KUBECONFIG_DATA }}';
    expect(jobsWith(workflow, (job) => job.steps.some(writing))).toEqual(['release-half', 'approve', 'rollback']);
    expect(jobsWith(workflow, (job) => envOf(job).includes('LIGHTKEEPER_TOKEN'))).toEqual(['release-half', 'approve', 'rollback']);
    const kubeconfig = workflow.jobs['release-half'].steps.find(writing)!;
    expect(kubeconfig.run).toContain('echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"');
    // It comes before Slipway's step, which reads KUBECONFIG.
    expect(workflow.jobs['release-half'].steps.indexOf(kubeconfig)).toBeLessThan(
      workflow.jobs['release-half'].steps.indexOf(slipwayStep(workflow.jobs['release-half'])),
    );
    expect(wiring.notes.join('\n')).toContain('environments.prod.cluster uses Lightkeeper: the deploying jobs need its CLI (lightkeeper)');
  });

  it("writes KUBECONFIG_DATA to an environment's own kubeconfig path when the file is not committed, quoted for the shell", async () => {
    const nonprod = { ...environments.nonprod, cluster: { provider: 'kubeconfig', path: "deploy/it's kubeconfig" } };
    const home = { ...environments.prod, cluster: { provider: 'kubeconfig', path: '~/.kube/prod' } };
    const { workflow, problems } = await generate({ config: { ...baseConfig, environments: { nonprod, prod: home } } });
    expect(problems).toEqual([]);
    const run = workflow.jobs.approve.steps.find((step) => step.name === 'Kubeconfig from KUBECONFIG_DATA')!.run!;
    expect(run).toContain(`> 'deploy/it'\\''s kubeconfig'`);
    expect(run).toContain(`> "$HOME"/'.kube/prod'`);
    expect(run).not.toContain('GITHUB_ENV');
  });

  it('refuses a kubeconfig path GitHub would evaluate as an expression', async () => {
    const nonprod = { ...environments.nonprod, cluster: { provider: 'kubeconfig', path: '${{ secrets.OTHER }}' } };
    const { dir, config } = await repository({ config: { ...baseConfig, environments: { nonprod } } });
    const facts = await readRepositoryFacts(dir, config);
    const failure = failureFrom(() => planGitHubWiring({ config, facts }));
    expect(failure.specific).toBe('environments.nonprod.cluster.path contains "${{", which GitHub Actions would evaluate as an expression');
  });

  it('an in-cluster environment puts the deploying jobs on a self-hosted runner', async () => {
    const nonprod = { ...environments.nonprod, cluster: { provider: 'in-cluster' } };
    const { workflow, wiring } = await generate({ config: { ...baseConfig, environments: { nonprod, prod: environments.prod } } });
    expect(jobsWith(workflow, (job) => job['runs-on'] === 'self-hosted')).toEqual(['release-half', 'approve', 'rollback']);
    expect(
      githubSetup(wiring)
        .find((section) => section.title === 'Repository settings')!
        .items.join('\n'),
    ).toContain('self-hosted runner');
  });
});

describe('slipway init github: AWS through OIDC', () => {
  const noLongLivedKeys = (text: string) => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  };

  const assumesRole = (job: Job) =>
    job.steps.some(
      (step) =>
        step.uses === 'aws-actions/configure-aws-credentials@v4' &&
        JSON.stringify(step.with) ===
          JSON.stringify({ 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': '${{ vars.AWS_REGION }}' }),
    );
  const publicKey = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';

  it('a remote cache on AWS signed with HMAC: the jobs of main assume the role with an OIDC token and hold the key; pull requests get neither', async () => {
    const { workflow, problems, text, wiring } = await generate({ config: { ...baseConfig, cache: awsCache }, forge: githubForge });
    expect(problems).toEqual([]);
    expect(jobsWith(workflow, assumesRole)).toEqual(['release', 'release-half']);
    expect(jobsWith(workflow, (job) => job.permissions['id-token'] === 'write')).toEqual(['release', 'release-half']);
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLIPWAY_CACHE_KEY'))).toEqual(['release', 'release-half']);
    noLongLivedKeys(text);
    expect(wiring.notes.join('\n')).toContain('pull requests (slipway ci) do not get it and build without the remote cache');
    const aws = githubSetup(wiring)
      .find((section) => section.title.startsWith('AWS'))!
      .items.join('\n');
    expect(aws).toContain('token.actions.githubusercontent.com:sub repo:acme/fixture:ref:refs/heads/main (release, release-half);');
    expect(aws).toContain('s3:GetObject and s3:PutObject on fixture-cache/*');
  });

  it('signed with an Ed25519 key pair: pull requests read the bucket through OIDC too, holding no signing key', async () => {
    const cache = { remote: { ...awsCache.remote, publicKey } };
    const { workflow, problems, text, wiring } = await generate({ config: { ...baseConfig, cache }, forge: githubForge });
    expect(problems).toEqual([]);
    expect(jobsWith(workflow, assumesRole)).toEqual(['ci', 'release', 'release-half']);
    expect(jobsWith(workflow, (job) => job.permissions['id-token'] === 'write')).toEqual(['ci', 'release', 'release-half']);
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLIPWAY_CACHE_KEY'))).toEqual(['release', 'release-half']);
    // A fork's pull request has no OIDC token: the step is skipped there rather than failing the checks.
    expect(workflow.jobs.ci.steps.find((step) => step.uses?.startsWith('aws-actions/'))!.if).toBe(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    noLongLivedKeys(text);
    const aws = githubSetup(wiring)
      .find((section) => section.title.startsWith('AWS'))!
      .items.join('\n');
    expect(aws).toContain('repo:acme/fixture:pull_request (ci), repo:acme/fixture:ref:refs/heads/main (release, release-half)');
  });

  it('without AWS no job asks for an OIDC token and no AWS step appears', async () => {
    const { workflow, text } = await generate({ config: baseConfig });
    expect(jobsWith(workflow, (job) => 'id-token' in job.permissions)).toEqual([]);
    expect(text).not.toContain('aws-actions/');
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLIPWAY_CACHE_KEY'))).toEqual([]);
  });

  it('a committed EKS kubeconfig gives the deploying jobs AWS credentials; declared AWS keys are never passed on', async () => {
    const eks = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:\n- name: eks\n  cluster:\n    server: https://eks.example.com',
      'users:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]',
      'contexts:\n- name: prod\n  context:\n    cluster: eks\n    user: eks',
      'current-context: prod',
    ].join('\n');
    const prod = { ...environments.prod, cluster: { provider: 'kubeconfig', path: 'deploy/eks.yaml' } };
    const { workflow, problems, text, wiring } = await generate({
      config: { ...baseConfig, environments: { nonprod: environments.nonprod, prod }, secrets: ['AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN'] },
      files: { 'deploy/eks.yaml': eks },
    });
    expect(problems).toEqual([]);
    expect(jobsWith(workflow, (job) => job.permissions['id-token'] === 'write')).toEqual(['release-half', 'approve', 'rollback']);
    expect(jobsWith(workflow, (job) => envOf(job).includes('NPM_TOKEN'))).toEqual(['ci', 'release', 'release-half']);
    noLongLivedKeys(text);
    expect(wiring.notes.join('\n')).toContain('AWS_SECRET_ACCESS_KEY is not passed to the jobs: AWS credentials come from OIDC');
    const aws = githubSetup(wiring)
      .find((section) => section.title.startsWith('AWS'))!
      .items.join('\n');
    expect(aws).toContain('repo:OWNER/REPO:environment:prod (approve, rollback)');
    expect(aws).toContain('repo:OWNER/REPO:environment:nonprod (rollback)');
  });

  it('refuses a committed kubeconfig that is not one, naming the file and the setting', async () => {
    const prod = { ...environments.prod, cluster: { provider: 'kubeconfig', path: 'deploy/eks.yaml' } };
    const { dir, config } = await repository({
      config: { ...baseConfig, environments: { prod } },
      files: { 'deploy/eks.yaml': 'just: text\n' },
    });
    const failure = await failureOf(readRepositoryFacts(dir, config));
    expect(failure.specific).toBe(
      `${join(dir, 'deploy/eks.yaml')} (environments.prod.cluster.path) is not a kubeconfig: it has neither clusters nor contexts (top-level keys: just)`,
    );
  });
});

describe('slipway init github: secrets go only to the jobs that need them', () => {
  it('Slack reaches the pipeline jobs, not pull requests; a forge token other than GITHUB_TOKEN reaches every job', async () => {
    const { workflow, wiring } = await generate({
      config: baseConfig,
      forge: { ...githubForge, tokenEnv: 'SLIPWAY_GITHUB_TOKEN' },
      notify: { slack: { webhookUrlEnv: 'SLACK_WEBHOOK_URL' } },
    });
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLACK_WEBHOOK_URL'))).toEqual([
      'release',
      'release-half',
      'approve',
      'rollback',
    ]);
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLIPWAY_GITHUB_TOKEN'))).toEqual([
      'ci',
      'release',
      'release-half',
      'approve',
      'rollback',
    ]);
    expect(slipwayStep(workflow.jobs.release).env!.SLACK_WEBHOOK_URL).toBe('${{ secrets.SLACK_WEBHOOK_URL }}');
    const secrets = githubSetup(wiring).find((section) => section.title.startsWith('Secrets'))!.items;
    expect(secrets.map((item) => item.split(':')[0])).toEqual(['SLIPWAY_GITHUB_TOKEN', 'SLACK_WEBHOOK_URL']);
  });

  it('a registry other than ghcr.io gets its user as a variable and its password as a secret, and no packages permission', async () => {
    const { workflow } = await generate({ config: { ...baseConfig, registry: { url: 'registry.example.com/acme' } } });
    expect(slipwayStep(workflow.jobs.release).env).toMatchObject({
      SLIPWAY_REGISTRY_USERNAME: '${{ vars.SLIPWAY_REGISTRY_USERNAME }}',
      SLIPWAY_REGISTRY_PASSWORD: '${{ secrets.SLIPWAY_REGISTRY_PASSWORD }}',
    });
    expect(envOf(workflow.jobs.ci)).toEqual(['GITHUB_TOKEN']);
    expect(jobsWith(workflow, (job) => 'packages' in job.permissions)).toEqual([]);
  });

  it("a GitHub App's credentials reach every job under the names its settings give", async () => {
    const app = { appId: 12345, installationId: 678, privateKeyEnv: 'SLIPWAY_APP_PRIVATE_KEY' };
    const { workflow, wiring } = await generate({ config: baseConfig, forge: { ...githubForge, app } });
    expect(jobsWith(workflow, (job) => envOf(job).includes('SLIPWAY_APP_PRIVATE_KEY'))).toEqual([
      'ci',
      'release',
      'release-half',
      'approve',
      'rollback',
    ]);
    expect(githubSetup(wiring).find((section) => section.title === 'GitHub token')!.items[0]).toMatch(
      /^install the GitHub App on this repository/,
    );
  });

  it('an S3 server that is not AWS gets its keys as secrets in the building jobs, and no OIDC', async () => {
    const cache = { remote: { bucket: 'fixture-cache', endpoint: 'https://s3.example.com' } };
    const { workflow, problems } = await generate({ config: { ...baseConfig, cache } });
    expect(problems).toEqual([]);
    expect(jobsWith(workflow, (job) => envOf(job).includes('AWS_SECRET_ACCESS_KEY'))).toEqual(['release', 'release-half']);
    expect(jobsWith(workflow, (job) => 'id-token' in job.permissions)).toEqual([]);
  });

  it('a Lightkeeper token read from a file is no secret of the workflow; the checklist says the file must be on the runner', async () => {
    const prod = { ...environments.prod, cluster: { provider: 'lightkeeper', cluster: 'prod', tokenFile: '/var/run/lightkeeper/token' } };
    const { workflow, wiring } = await generate({ config: { ...baseConfig, environments: { nonprod: environments.nonprod, prod } } });
    expect(jobsWith(workflow, (job) => envOf(job).includes('LIGHTKEEPER_TOKEN'))).toEqual([]);
    expect(wiring.notes.join('\n')).toContain('environments.prod.cluster.tokenFile /var/run/lightkeeper/token must exist on the runner');
  });

  it('refuses a variable name GitHub would not accept as a secret', async () => {
    const { dir, config } = await repository({ config: baseConfig, forge: { ...githubForge, tokenEnv: 'GITHUB_PAT' } });
    const facts = await readRepositoryFacts(dir, config);
    const failure = failureFrom(() => planGitHubWiring({ config, facts }));
    expect(failure.specific).toBe('forge.tokenEnv names the variable "GITHUB_PAT", which cannot be a GitHub secret or variable');
    expect(failure.details).toEqual(['names starting with GITHUB_ are reserved by GitHub']);
    expect(failure.hint).toBe('rename it in the configuration (e.g. GH_PAT)');
  });

  it('browser tests and browser smoke checks get the runner’s Chrome, in the jobs that run them', async () => {
    const { workflow } = await generate({
      config: {
        ...baseConfig,
        browserTests: { package: '@fixture/app' },
        smoke: [{ name: 'home', path: '/', browser: { selector: 'h1', text: 'Hello' } }],
      },
    });
    expect(jobsWith(workflow, (job) => slipwayStep(job).env!.CHROMIUM_PATH === '/usr/bin/google-chrome')).toEqual([
      'ci',
      'release',
      'release-half',
      'approve',
      'rollback',
    ]);
  });
});

describe("GitHub's workflow parser, as these tests use it", () => {
  it('reports a generated workflow broken on purpose: a needs naming a missing job, an unknown key, a secret where none is allowed', async () => {
    const { workflow } = await generate({ config: baseConfig });
    const missingJob = structuredClone(workflow);
    missingJob.jobs['release-half'].needs = 'build';
    expect((await workflowProblems(stringify(missingJob))).join('\n')).toMatch(/Job 'release-half' depends on unknown job 'build'/);
    const unknownKey = structuredClone(workflow) as unknown as { jobs: { ci: Record<string, unknown> } };
    unknownKey.jobs.ci['run-on'] = 'ubuntu-latest';
    expect((await workflowProblems(stringify(unknownKey))).join('\n')).toMatch(/Unexpected value 'run-on'/);
    const secretInConcurrency = structuredClone(workflow);
    secretInConcurrency.jobs.approve.concurrency.group = '${{ secrets.GITHUB_TOKEN }}';
    expect((await workflowProblems(stringify(secretInConcurrency))).join('\n')).toMatch(/Unrecognized named-value: 'secrets'/);
  });
});

describe('github remotes', () => {
  it('reads owner/name from https, ssh and scp-like URLs of github.com only', () => {
    expect(githubRepositoryOf('https://github.com/acme/embark.git')).toBe('acme/embark');
    expect(githubRepositoryOf('https://x-access-token:abc@github.com/acme/embark')).toBe('acme/embark');
    expect(githubRepositoryOf('git@github.com:acme/embark.git')).toBe('acme/embark');
    expect(githubRepositoryOf('ssh://git@github.com/acme/embark.git')).toBe('acme/embark');
    expect(githubRepositoryOf('git@gitlab.com:acme/embark.git')).toBeUndefined();
    expect(githubRepositoryOf('https://github.com.evil.example/acme/embark')).toBeUndefined();
  });
});

describe('slipway init github: what it reads from the repository', () => {
  it('refuses a repository without slipway in its dependencies: the jobs would run whatever npx fetched by name', async () => {
    const { dir } = await repository({ lockfile: 'npm', withoutSlipway: true });
    const facts = await readRepositoryFacts(dir, undefined);
    const refused = failureFrom(() => planGitHubWiring({ facts }));
    expect(refused.specific).toBe('slipway is not a dependency of this repository, so the workflow would have no Slipway to run');
    expect(refused.hint).toMatch(/^add slipway to the root package.json devDependencies/);
  });

  it('releases from origin’s default branch, and refuses a configuration that names another', async () => {
    const { dir } = await repository({ lockfile: 'npm' });
    const facts = await readRepositoryFacts(dir, undefined);
    const master = { ...facts, originDefaultBranch: 'master' };
    const { workflow } = await generateFrom(planGitHubWiring({ facts: master }));
    expect(workflow.on.push.branches).toEqual(['master']);
    const { config } = await repository({ lockfile: 'npm', config: baseConfig });
    const refused = failureFrom(() => planGitHubWiring({ config, configFile: 'slipway.config.json', facts: master }));
    expect(refused.specific).toBe("origin's default branch is master, but slipway.config.json releases from main");
    expect(refused.hint).toBe(
      "set coverage.mainBranch: 'master' in slipway.config.json (it defaults to main), then run slipway init github again",
    );
  });

  it('sets Node up from the repository’s .nvmrc when it has one', async () => {
    const { dir } = await repository({ lockfile: 'npm', files: { '.nvmrc': '24\n' } });
    const facts = await readRepositoryFacts(dir, undefined);
    expect(facts.nodeVersionFile).toBe('.nvmrc');
    const { workflow, problems } = await generateFrom(planGitHubWiring({ facts }));
    expect(problems).toEqual([]);
    expect(workflow.jobs.ci.steps.find((step) => step.uses === 'actions/setup-node@v4')!.with).toEqual({
      'node-version-file': '.nvmrc',
      cache: 'npm',
    });
  });
});

async function generateFrom(wiring: ReturnType<typeof planGitHubWiring>) {
  const text = workflowFileText(wiring, undefined);
  return { workflow: parse(text) as Workflow, problems: await workflowProblems(text) };
}
