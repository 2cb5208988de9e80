import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { BareDeployRepository } from '../../test-support/deploy-repository.ts';
import { failureOf } from '../../test-support/failure-of.ts';
import { startContractProxy } from '../../test-support/github/contract-proxy.ts';
import { GitHubContract } from '../../test-support/github/contract.ts';
import { startPullsStandin } from '../../test-support/github/pulls-standin.ts';
import { embarkReleaseOf } from '../../test-support/kube-fixtures.ts';
import { embarkConfig } from '../../test-support/manifest-fixtures.ts';
import { GitOpsTarget } from './target.ts';

/**
 * A manual gate's pull request on GitHub: opened through the forge's client and credentials, every
 * request and answer held to GitHub's description by the contract proxy.
 */
const token = 'ghp_reviewtoken0123456789abcdef';
let dir: string;
let deployRepo: BareDeployRepository;
let pulls: Awaited<ReturnType<typeof startPullsStandin>>;
let proxy: Awaited<ReturnType<typeof startContractProxy>>;
let secrets: string[];

function prodTarget(forge: Record<string, unknown>): GitOpsTarget {
  const config = configSchema.parse({
    project: 'embark',
    services: embarkConfig().services,
    forge,
    environments: {
      prod: {
        namespace: 'embark-prod',
        host: 'embark.example.com',
        gate: 'manual',
        gitops: { repository: 'deploy.git', path: 'prod', reviewRepository: 'acme/embark-deploy', syncTimeoutSeconds: 0.05 },
      },
    },
  });
  return new GitOpsTarget({
    environment: 'prod',
    config,
    repoDir: dir,
    scratchDir: join(dir, 'scratch'),
    addSecret: (secret) => void secrets.push(secret),
    env: { DEPLOY_TOKEN: token },
  });
}

const onGitHub = () => ({ kind: 'github', repository: 'acme/embark', baseUrl: proxy.url, tokenEnv: 'DEPLOY_TOKEN' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-gitops-review-'));
  deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
  pulls = await startPullsStandin('acme/embark-deploy', token);
  proxy = await startContractProxy(GitHubContract.load(), pulls.url);
  secrets = [];
});

afterEach(async () => {
  expect(proxy.problems()).toEqual([]);
  await proxy.stop();
  await pulls.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a manual gate's pull request", () => {
  it('is opened in the review repository from the review branch into the followed branch, once', async () => {
    const release = embarkReleaseOf('1.2.0', '1');
    const lines: string[] = [];
    const proposal = await prodTarget(onGitHub()).propose(release, (line) => void lines.push(line));
    const url = `${proxy.url}/acme/embark-deploy/pull/1`;
    expect(proposal).toEqual({ description: `merge slipway/prod/v1.2.0 into main of deploy.git (pull request #1: ${url})`, url });
    expect(pulls.pulls).toEqual([
      {
        number: 1,
        head: 'slipway/prod/v1.2.0',
        base: 'main',
        title: 'Deploy embark v1.2.0 to prod',
        body: expect.stringContaining('then run `slipway approve prod v1.2.0`'),
      },
    ]);
    expect(deployRepo.head('slipway/prod/v1.2.0')).toBeDefined();
    expect(secrets).toContain(token);

    // Proposed again (a resumed run): the open pull request is found, not opened twice.
    const again = await prodTarget(onGitHub()).propose(release, () => undefined);
    expect(again.url).toBe(url);
    expect(pulls.pulls).toHaveLength(1);
    expect(proxy.exchanges.map((exchange) => `${exchange.method} ${exchange.status}`)).toEqual(['GET 200', 'POST 201', 'GET 200']);
  });

  it("fails with GitHub's reason when GitHub refuses the pull request, the token nowhere in it", async () => {
    pulls.refuse('No commits between main and slipway/prod/v1.3.0');
    const failure = await failureOf(prodTarget(onGitHub()).propose(embarkReleaseOf('1.3.0', '2'), () => undefined));
    expect(failure.specific).toBe('open a pull request for slipway/prod/v1.3.0 in acme/embark-deploy: GitHub answered 422');
    expect(failure.details.join('\n')).toContain('No commits between main and slipway/prod/v1.3.0');
    expect(JSON.stringify(failure)).not.toContain(token);
  });

  it('is not opened with the embedded forge, which is not GitHub: the review branch alone is proposed', async () => {
    const proposal = await prodTarget({ kind: 'local' }).propose(embarkReleaseOf('1.4.0', '3'), () => undefined);
    expect(proposal).toEqual({
      description: 'merge slipway/prod/v1.4.0 into main of deploy.git (no pull request: the forge is the embedded one, not GitHub)',
    });
    expect(pulls.pulls).toEqual([]);
    expect(deployRepo.branches()).toEqual(['main', 'slipway/prod/v1.4.0']);
  });
});
