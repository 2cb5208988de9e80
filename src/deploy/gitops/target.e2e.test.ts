import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, type Config } from '../../config/schema.ts';
import { BareDeployRepository } from '../../test-support/deploy-repository.ts';
import { failureOf } from '../../test-support/failure-of.ts';
import { embarkConfig } from '../../test-support/manifest-fixtures.ts';
import { embarkReleaseOf } from '../../test-support/kube-fixtures.ts';
import { openDeployTarget } from '../targets.ts';
import type { DeployTarget } from '../target.ts';
import { manifestFiles } from '../kubernetes/manifests/index.ts';
import { releaseCommitMessage } from './plan.ts';
import { GitOpsTarget } from './target.ts';

/**
 * The GitOps target against a real bare repository: what lands on which branch, and when nothing
 * should. No cluster here, so each deploy waits its (short) sync timeout and says nothing confirmed it.
 */
let dir: string;
let deployRepo: BareDeployRepository;
let lines: string[];
const log = (line: string) => void lines.push(line);
const release = embarkReleaseOf('1.2.0', '1');
const nonprodPath = 'clusters/nonprod/embark';
const prodPath = 'clusters/prod/embark';

function gitopsConfig(): Config {
  const { services } = embarkConfig();
  const gitops = (path: string) => ({ repository: 'deploy.git', path, syncTimeoutSeconds: 0.05 });
  return configSchema.parse({
    project: 'embark',
    services,
    environments: {
      nonprod: { namespace: 'embark-nonprod', host: 'nonprod.embark.test', gitops: gitops(nonprodPath) },
      prod: { namespace: 'embark-prod', host: 'embark.example.com', gate: 'manual', gitops: gitops(prodPath) },
    },
  });
}

async function target(environment: string): Promise<DeployTarget> {
  return openDeployTarget(environment, {
    config: gitopsConfig(),
    repoDir: dir,
    environmentsDir: join(dir, 'home', 'environments'),
    addSecret: () => undefined,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-gitops-'));
  deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
  lines = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a deploy to an auto-gated GitOps environment', () => {
  it('commits the rendered tree and its kustomization, digests pinned, with a message naming release, commit and digests', async () => {
    const nonprod = await target('nonprod');
    expect(nonprod).toBeInstanceOf(GitOpsTarget);
    expect(await nonprod.connect()).toBe(`deploy repository ${nonprodPath} on main of deploy.git; no cluster to read Argo CD's sync from`);
    expect(await nonprod.dryRun(nonprod.render(release), log)).toEqual({
      checked: [],
      summary: 'no server-side dry run: Argo CD applies the manifests from deploy.git',
    });
    const before = deployRepo.head('main')!;
    const deployed = await nonprod.deploy({ release, runId: 1, log });

    const head = deployRepo.head('main')!;
    expect(deployRepo.git(['rev-parse', `${head}^`])).toBe(before);
    const planned = manifestFiles(nonprod.render(release));
    expect(deployRepo.files('main', nonprodPath)).toEqual(planned.map((file) => file.name).sort());
    for (const file of planned) expect(deployRepo.read('main', `${nonprodPath}/${file.name}`)).toBe(file.text);
    const kustomization = parse(deployRepo.read('main', `${nonprodPath}/kustomization.yaml`));
    expect(kustomization.resources).toHaveLength(planned.length - 1);
    const deployment = parse(deployRepo.read('main', `${nonprodPath}/deployment-embark-backend.yaml`));
    expect(deployment.spec.template.spec.containers[0].image).toBe(`127.0.0.1:5000/embark/backend@sha256:${'1'.repeat(64)}`);
    // The README of the repository is someone else's and stays.
    expect(deployRepo.files('main', '')).toEqual(['README.md', 'clusters']);

    const message = deployRepo.message(head);
    expect(`${message}\n`).toBe(releaseCommitMessage('embark', 'nonprod', release));
    expect(message).toContain('Deploy embark v1.2.0 to nonprod');
    expect(message).toContain(`built from commit ${'1'.repeat(40)}`);
    expect(message).toContain(`- backend: 127.0.0.1:5000/embark/backend@sha256:${'1'.repeat(64)}`);
    expect(message).toContain(`- frontend: 127.0.0.1:5000/embark/frontend@sha256:${'1'.repeat(64)}`);

    expect(deployed).toMatchObject({
      environment: 'nonprod',
      url: 'https://nonprod.embark.test',
      revision: head.slice(0, 12),
      namespace: 'embark-nonprod',
    });
    expect(deployed.note).toBe(
      `nothing confirmed that Argo CD synced ${head.slice(0, 12)}: no cluster is configured for nonprod, so Slipway waited 0.05 s`,
    );
    // Checkouts are made under the home and never left behind.
    expect(await readdir(join(dir, 'home', 'environments', 'gitops'))).toEqual([]);
  });

  it('makes no new commit when the same release is deployed again (a resumed run)', async () => {
    const nonprod = await target('nonprod');
    await nonprod.deploy({ release, runId: 1, log });
    const head = deployRepo.head('main')!;
    const count = deployRepo.commitCount('main');
    lines = [];
    const again = await nonprod.deploy({ release, runId: 2, log });
    expect(deployRepo.head('main')).toBe(head);
    expect(deployRepo.commitCount('main')).toBe(count);
    expect(again.revision).toBe(head.slice(0, 12));
    expect(lines).toContain(`main of deploy.git already holds ${nonprodPath} as planned: no new commit`);
  });

  it('creates the branch in an empty deploy repository', async () => {
    await rm(deployRepo.dir, { recursive: true, force: true });
    deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'), { empty: true });
    const nonprod = await target('nonprod');
    expect(await nonprod.connect()).toBe(
      `deploy repository ${nonprodPath} on main of deploy.git (main does not exist yet); no cluster to read Argo CD's sync from`,
    );
    await nonprod.deploy({ release, runId: 1, log });
    expect(deployRepo.commitCount('main')).toBe(1);
    expect(deployRepo.files('main', '')).toEqual(['clusters']);
  });

  it('commits again on top of a branch that moved while it pushed, keeping the other commit', async () => {
    await deployRepo.racePushes('main', 1);
    await (await target('nonprod')).deploy({ release, runId: 1, log });
    const head = deployRepo.head('main')!;
    expect(deployRepo.message(head)).toContain('Deploy embark v1.2.0 to nonprod');
    expect(deployRepo.message(`${head}^`)).toBe('Another deploy 0');
    expect(deployRepo.files('main', 'other-team')).toEqual(['deploy-0.txt']);
    expect(lines).toContain('main of deploy.git moved while pushing: rebasing on its new head and pushing again');
  });

  it('fails precisely when the branch moves again after the rebase', async () => {
    await deployRepo.racePushes('main', 2);
    const failure = await failureOf((await target('nonprod')).deploy({ release, runId: 1, log }));
    expect(failure.specific).toBe('main of deploy.git moved twice while Slipway pushed to it');
    expect(failure.hint).toContain('something else pushes to main continuously');
    // Nothing of ours landed: only the two other deploys did.
    expect(deployRepo.message(deployRepo.head('main')!)).toBe('Another deploy 1');
  });

  it('takes the environment out with a commit removing its directory, and says what it deployed before', async () => {
    const nonprod = await target('nonprod');
    await nonprod.deploy({ release, runId: 1, log });
    const newer = embarkReleaseOf('1.3.0', '2');
    await nonprod.deploy({ release: newer, runId: 2, log });
    const status = await nonprod.status();
    expect(status).toMatchObject({ url: 'https://nonprod.embark.test', revision: `${deployRepo.head('main')!.slice(0, 12)} (v1.3.0)` });
    expect(status!.history.map((record) => [record.revision.replace(/^\w+ /, ''), record.outcome])).toEqual([
      ['(v1.2.0)', 'superseded'],
      ['(v1.3.0)', 'deployed'],
    ]);
    await nonprod.teardown(log);
    expect(deployRepo.message(deployRepo.head('main')!)).toBe('Remove embark from nonprod');
    expect(deployRepo.files('main', '')).toEqual(['README.md']);
    expect((await nonprod.status())?.revision).toBeUndefined();
  });
});

describe('a manual gate', () => {
  it('pushes slipway/<env>/<tag> for review, leaves main untouched, and deploys only once the review is merged', async () => {
    const prod = await target('prod');
    const main = deployRepo.head('main');
    const proposal = await prod.propose!(release, log);
    expect(proposal).toEqual({ description: 'merge slipway/prod/v1.2.0 into main of deploy.git' });
    expect(deployRepo.head('main')).toBe(main);
    expect(deployRepo.branches()).toEqual(['main', 'slipway/prod/v1.2.0']);
    const review = deployRepo.head('slipway/prod/v1.2.0')!;
    expect(deployRepo.git(['rev-parse', `${review}^`])).toBe(main);
    expect(deployRepo.files('slipway/prod/v1.2.0', prodPath)).toContain('kustomization.yaml');
    expect(`${deployRepo.message(review)}\n`).toBe(releaseCommitMessage('embark', 'prod', release));

    // Proposed again (a resumed run): the review branch is left as it is.
    await prod.propose!(release, log);
    expect(deployRepo.head('slipway/prod/v1.2.0')).toBe(review);
    expect(lines).toContain(`slipway/prod/v1.2.0 of deploy.git already proposes ${prodPath} as planned`);

    // Approved before the merge: refused, naming the branch to merge.
    const early = await failureOf(prod.deploy({ release, runId: 2, log }));
    expect(early.specific).toBe('v1.2.0 is not merged into main of deploy.git yet');
    expect(early.details).toContain('review branch: slipway/prod/v1.2.0');
    expect(early.hint).toBe('merge slipway/prod/v1.2.0 into main (its pull request), then run `slipway approve prod v1.2.0` again');
    expect(deployRepo.head('main')).toBe(main);

    const merged = deployRepo.merge('slipway/prod/v1.2.0', 'main');
    const deployed = await prod.deploy({ release, runId: 3, log });
    expect(deployed.revision).toBe(merged.slice(0, 12));
    expect(deployRepo.head('main')).toBe(merged);
    expect(lines).toContain(`v1.2.0 is merged into main of deploy.git at ${merged.slice(0, 12)}`);
    // Once merged there is nothing left to review.
    expect(await prod.propose!(release, log)).toEqual({ description: 'v1.2.0 is already in main of deploy.git' });
  });

  it('takes a rollback straight to the branch, with its reason: the person who rolled back decided it already', async () => {
    const prod = await target('prod');
    const main = deployRepo.head('main');
    const deployed = await prod.deploy({ release, runId: 4, log, rollback: { from: 'v1.3.0', reason: 'checkout answers 500' } });
    const head = deployRepo.head('main')!;
    expect(head).not.toBe(main);
    expect(deployed.revision).toBe(head.slice(0, 12));
    expect(deployRepo.message(head).split('\n').slice(0, 3)).toEqual([
      'Roll back embark prod from v1.3.0 to v1.2.0',
      '',
      'Rolled back: checkout answers 500',
    ]);
    expect(deployRepo.files('main', prodPath)).toContain('kustomization.yaml');
    expect(deployRepo.branches()).toEqual(['main']);
  });
});
