import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { gitHubClient } from '../release/forge/github/client.ts';
import { startLocalRegistry } from '../release/registry/index.ts';
import { startLocalGitHub, type LocalGitHub } from '../release/forge/local/server.ts';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { freePort, waitFor } from '../shared/net.ts';
import { startContractProxy } from '../test-support/github/contract-proxy.ts';
import { GitHubContract } from '../test-support/github/contract.ts';

// A merge carried to a published release with the forge set to GitHub: the run's Octokit talks to
// a GitHub API (the embedded one) through a proxy that checks every request and answer against
// GitHub's OpenAPI description, and the release half is started each of the three ways a
// workflow can start it: GitHub's signed `release` webhook to `slipway serve`, a
// `repository_dispatch` to it, and the workflow's next job running `slipway release <tag>`.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const secret = 'github-flow-webhook-secret';
const contract = GitHubContract.load();

let home: string;
let port: number;
let serve: ChildProcess | undefined;
let serveOutput = '';
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'slipway-github-flow-'));
  port = await freePort();
});

afterEach(async () => {
  serve?.kill('SIGTERM');
  serve = undefined;
  for (const stop of stops.splice(0)) await stop();
});

afterAll(async () => {
  await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
  await rm(home, { recursive: true, force: true });
});

/** A GitHub for one repository: the embedded API, its contract-checking proxy, hooks to `slipway serve`. */
async function github(repository: string) {
  const server: LocalGitHub = await startLocalGitHub({
    dir: join(home, 'github', repository),
    repository,
    hooks: [{ url: `http://127.0.0.1:${port}/`, secret }],
  });
  const proxy = await startContractProxy(contract, server.url);
  stops.push(proxy.stop, () => server.close());
  const env = { ...process.env, NO_COLOR: '1', GITHUB_TOKEN: server.token, SLIPWAY_WEBHOOK_SECRET: secret };
  const client = gitHubClient({ baseUrl: server.url, auth: { token: server.token }, throttle: false });
  const [owner, repo] = repository.split('/');
  return {
    server: {
      deliveries: () => server.deliveries(),
      deploymentsOf: async () =>
        Promise.all(
          (await client.rest.repos.listDeployments({ owner, repo })).data.map(async (deployment) => {
            const statuses = (
              await client.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: Number(deployment.id) })
            ).data.reverse();
            return {
              environment: deployment.environment,
              ref: deployment.ref,
              states: statuses.map((status) => status.state),
              environmentUrl: statuses.at(-1)?.environment_url,
            };
          }),
        ),
      checkRunsOf: async () => {
        const commits = [
          ...new Set((await client.rest.repos.listReleases({ owner, repo })).data.map((release) => release.target_commitish)),
        ];
        const runs = await Promise.all(
          commits.map(async (ref) => (await client.rest.checks.listForRef({ owner, repo, ref })).data.check_runs),
        );
        return runs.flat();
      },
    },
    proxy,
    env,
    releases: async () => (await client.rest.repos.listReleases({ owner, repo })).data,
  };
}

async function startServe(env: NodeJS.ProcessEnv) {
  serveOutput = '';
  serve = spawn(process.execPath, [cli, 'serve', '--home', home, '--port', String(port)], { env });
  const collect = (chunk: Buffer) => (serveOutput += chunk.toString());
  serve.stdout!.on('data', collect);
  serve.stderr!.on('data', collect);
  expect(await waitFor(async () => serveOutput.includes('receiving webhooks at'), 30_000), serveOutput).toBe(true);
}

/** The demo repository with its forge on GitHub, as a user's slipway.config.ts would say it. */
async function repositoryOn(repository: string, baseUrl: string, releaseHalf: 'webhook' | 'dispatch' | 'needs', registry?: string) {
  const { repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos', releaseHalf) });
  const path = join(repoDir, 'slipway.config.ts');
  const config = await readFile(path, 'utf8');
  const forge = `  forge: { kind: 'github', repository: '${repository}', baseUrl: '${baseUrl}', releaseHalf: '${releaseHalf}' },\n`;
  const registryLine = registry ? `  registry: { url: '${registry}' },\n` : '';
  await writeFile(path, config.replace("  project: 'embark',\n", `  project: 'embark',\n${forge}${registryLine}`));
  await git(repoDir, ['commit', '-qam', 'Slipway: releases on GitHub']);
  // The repository on GitHub the checkout came from: where the version commit and tag are pushed.
  const origin = join(home, 'origins', `${repository.replace('/', '-')}.git`);
  await git(home, ['init', '-q', '--bare', '-b', 'main', origin]);
  await git(repoDir, ['remote', 'add', 'origin', origin]);
  await git(repoDir, ['push', '-q', 'origin', 'main']);
  return repoDir;
}

/** What the repository on GitHub has after the release: main at the version commit, and the tag on it. */
async function originRefs(repoDir: string) {
  const refs = await git(repoDir, ['ls-remote', 'origin']);
  const ref = (name: string) =>
    refs
      .split('\n')
      .find((line) => line.endsWith(`\t${name}`))
      ?.split('\t')[0];
  const versionCommit = (await git(repoDir, ['rev-parse', 'HEAD'])).trim();
  return { main: ref('refs/heads/main'), tag: ref('refs/tags/v1.5.0'), versionCommit };
}

async function show(id: string) {
  const shown = await exec(process.execPath, [cli, 'show', id, '--json', '--home', home]);
  return JSON.parse(shown.stdout) as { run: { status: string }; stages: { stage: string; status: string }[] };
}

async function finished(id: string) {
  expect(await waitFor(async () => ['succeeded', 'failed'].includes((await show(id)).run.status), 300_000, 1000), serveOutput).toBe(true);
  return show(id);
}

describe('the pipeline with its forge on GitHub', () => {
  for (const [releaseHalf, repository, handoff] of [
    ['webhook', 'acme/embark', "the forge's release webhook starts its release half in slipway serve"],
    ['dispatch', 'acme/embark-dispatch', 'a slipway-release repository_dispatch starts its release half'],
  ] as const) {
    it(`merge → draft release with assets → release half started in slipway serve by ${releaseHalf === 'webhook' ? 'the signed release webhook' : 'repository_dispatch'} → published`, async () => {
      const { server, proxy, env, releases } = await github(repository);
      await startServe(env);
      const repoDir = await repositoryOn(repository, proxy.url, releaseHalf);
      const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`release v1.5.0 created; ${handoff}`);
      const id = /slipway show (\d+)/.exec(run.stdout)![1];

      const final = await finished(id);
      // slipway serve reports to GitHub after it records the run's end: wait for its check run to complete.
      expect(await waitFor(async () => (await server.checkRunsOf()).every((check) => check.status === 'completed'), 30_000, 250)).toBe(
        true,
      );
      expect(final.run.status, serveOutput).toBe('succeeded');
      expect(final.stages.find((stage) => stage.stage === 'publish')?.status, serveOutput).toBe('succeeded');
      const [release] = await releases();
      expect(release).toMatchObject({ tag_name: 'v1.5.0', draft: false });
      expect(release.assets.map((asset) => asset.name).sort()).toEqual(['release.json', 'sbom-backend.cdx.json', 'sbom-frontend.cdx.json']);

      const deliveries = await server.deliveries();
      const starter = releaseHalf === 'webhook' ? 'release created' : 'repository_dispatch slipway-release';
      expect(deliveries.map((delivery) => `${delivery.event} ${delivery.action}`)).toContain(starter);
      expect(deliveries.every((delivery) => delivery.delivered)).toBe(true);
      // The Deployments panel: each environment the release entered, in progress then successful, with its URL.
      const deployments = await server.deploymentsOf();
      for (const environment of ['nonprod', 'staging']) {
        const entered = deployments.find((deployment) => deployment.environment === environment && deployment.ref === 'v1.5.0');
        expect(entered?.states, environment).toEqual(['in_progress', 'in_progress', 'success']);
        expect(entered?.environmentUrl, environment).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      }
      // One check run for the merge's run and one for its release half, both completed successfully.
      const checks = await server.checkRunsOf();
      expect(checks.map((check) => `${check.name}: ${check.conclusion}`).sort()).toEqual([
        'slipway release: success',
        'slipway run: success',
      ]);
      const refs = await originRefs(repoDir);
      expect(refs.main).toBe(refs.versionCommit);
      expect(refs.tag).toBe(refs.versionCommit);
      expect(proxy.exchanges.length).toBeGreaterThan(5);
      expect(proxy.problems()).toEqual([]);
    });
  }

  it('merge → draft release; the next job, on a fresh runner, carries it on with `slipway release <tag>`', async () => {
    const { server, proxy, env, releases } = await github('acme/embark-needs');
    // The registry both runners share, as they would share ghcr.io.
    const registry = await startLocalRegistry({ storageDir: join(home, 'shared-registry') });
    stops.push(registry.stop);
    const repoDir = await repositoryOn('acme/embark-needs', proxy.url, 'needs', `${registry.host}/acme`);
    const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('release v1.5.0 created; the release half runs next: slipway release v1.5.0');
    expect((await releases())[0]).toMatchObject({ tag_name: 'v1.5.0', draft: true });

    // Another runner: a fresh clone from the repository on GitHub and an empty Slipway home.
    const refs = await originRefs(repoDir);
    expect(refs.tag).toBe(refs.versionCommit);
    const runner = await mkdtemp(join(tmpdir(), 'slipway-next-job-'));
    stops.push(() => rm(runner, { recursive: true, force: true }));
    await git(runner, ['clone', '-q', (await git(repoDir, ['remote', 'get-url', 'origin'])).trim(), 'checkout']);
    const checkout = join(runner, 'checkout');
    const half = await exec(process.execPath, [cli, 'release', 'v1.5.0', '--repo', checkout, '--home', join(runner, 'home')], { env });
    expect(half.code, half.stdout + half.stderr).toBe(0);
    expect(half.stdout).toContain('Published embark 1.5.0 (v1.5.0)');
    expect(half.stderr).toMatch(/✔ release +v1\.5\.0 \(draft, commit [0-9a-f]{10}\), images by digest/);
    expect((await releases())[0]).toMatchObject({ tag_name: 'v1.5.0', draft: false });
    expect(half.stdout).toContain('prod waits for approval');

    // The approve job: a third fresh runner, which knows where v1.5.0 stands only from GitHub's deployments.
    const approver = await mkdtemp(join(tmpdir(), 'slipway-approve-job-'));
    stops.push(() => rm(approver, { recursive: true, force: true }));
    await git(approver, ['clone', '-q', (await git(repoDir, ['remote', 'get-url', 'origin'])).trim(), 'checkout']);
    const approve = await exec(
      process.execPath,
      [cli, 'approve', 'prod', 'v1.5.0', '--repo', join(approver, 'checkout'), '--home', join(approver, 'home')],
      {
        env,
      },
    );
    expect(approve.code, approve.stdout + approve.stderr).toBe(0);
    expect(approve.stdout).toContain('v1.5.0 stable in prod');
    const prod = (await server.deploymentsOf()).find((deployment) => deployment.environment === 'prod');
    expect(prod?.states.at(-1)).toBe('success');
    await exec(process.execPath, [cli, 'env', 'down', '--home', join(runner, 'home')]);
    await exec(process.execPath, [cli, 'env', 'down', '--home', join(approver, 'home')]);
    expect(proxy.problems()).toEqual([]);
  });
});
