import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { simulateArgoCd, type ArgoBehaviour } from '../../test-support/argo-standin.ts';
import { BareDeployRepository } from '../../test-support/deploy-repository.ts';
import { failureOf } from '../../test-support/failure-of.ts';
import { startKubeStandin, type KubeStandin } from '../../test-support/k8s-standin/index.ts';
import { embarkReleaseOf } from '../../test-support/kube-fixtures.ts';
import { embarkConfig } from '../../test-support/manifest-fixtures.ts';
import { GitOpsTarget } from './target.ts';

/**
 * Waiting for Argo CD through the cluster's API: the Application in the Kubernetes stand-in
 * reports the deploy repository's commit as a simulated Argo CD would.
 */
let dir: string;
let standin: KubeStandin;
let deployRepo: BareDeployRepository;
let argo: { stop(): void } | undefined;
let lines: string[];
const secrets: string[] = [];
const release = embarkReleaseOf('2.0.0', '3');
const application = { name: 'embark-nonprod', namespace: 'argocd', branch: 'main' };

function nonprodTarget(syncTimeoutSeconds: number, gate: 'auto' | 'manual' = 'auto'): GitOpsTarget {
  const config = configSchema.parse({
    project: 'embark',
    services: embarkConfig().services,
    environments: {
      nonprod: {
        namespace: 'embark-nonprod',
        host: 'nonprod.embark.test',
        gate,
        cluster: { provider: 'kubeconfig', path: 'kubeconfig.yaml' },
        gitops: { repository: 'deploy.git', path: 'nonprod', syncTimeoutSeconds },
      },
    },
  });
  return new GitOpsTarget({
    environment: 'nonprod',
    config,
    repoDir: dir,
    scratchDir: join(dir, 'scratch'),
    addSecret: (secret) => void secrets.push(secret),
  });
}

function argoDoes(behaviour: ArgoBehaviour): void {
  argo = simulateArgoCd(standin, deployRepo, application, behaviour);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-argo-'));
  standin = await startKubeStandin();
  await writeFile(join(dir, 'kubeconfig.yaml'), standin.kubeconfig);
  deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
  lines = [];
});

afterEach(async () => {
  argo?.stop();
  argo = undefined;
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

describe('waiting for Argo CD', () => {
  it('succeeds once the Application reports the pushed commit Synced and Healthy', async () => {
    argoDoes({ kind: 'healthy' });
    const target = nonprodTarget(60);
    expect(await target.connect()).toBe(
      `deploy repository nonprod on main of deploy.git; Argo CD Application argocd/embark-nonprod on cluster standin at ${standin.url} through ${join(dir, 'kubeconfig.yaml')}`,
    );
    const deployed = await target.deploy({ release, runId: 1, log: (line) => void lines.push(line) });
    const pushed = deployRepo.head('main')!;
    expect(deployed.revision).toBe(pushed.slice(0, 12));
    expect(deployed.note).toBeUndefined();
    expect(lines).toContain(`Argo CD Application argocd/embark-nonprod: ${pushed.slice(0, 12)} synced and healthy`);
    expect(standin.get('argoproj.io/v1alpha1', 'Application', 'argocd', 'embark-nonprod')?.status).toMatchObject({
      sync: { status: 'Synced', revision: pushed },
    });
    expect(
      standin.requests.some((request) => request.path === '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/embark-nonprod'),
    ).toBe(true);
    // The cluster's token is masked from the moment it is read.
    expect(secrets).toContain(standin.token);
    // The stability window reads the same cluster: one probe per service through the API server.
    const signals = await target.signals(deployed);
    expect(signals.probes.map((probe) => probe.name)).toEqual(['backend', 'frontend']);
  });

  it("fails with Argo CD's own message when the synced release is Degraded, and puts back the release before", async () => {
    argoDoes({ kind: 'healthy' });
    const good = embarkReleaseOf('1.9.0', '2');
    await nonprodTarget(60).deploy({ release: good, runId: 1, log: () => undefined });
    const goodCommit = deployRepo.head('main')!;
    argo!.stop();
    argoDoes({ kind: 'degraded', message: 'Deployment "embark-backend" exceeded its progress deadline' });

    const failure = await failureOf(nonprodTarget(60).deploy({ release, runId: 2, log: (line) => void lines.push(line) }));
    const [putBack, pushed] = [deployRepo.head('main')!, deployRepo.git(['rev-parse', 'main^'])];
    expect(failure.specific).toBe(
      `Argo CD Application argocd/embark-nonprod did not sync ${pushed.slice(0, 12)}: health Degraded: Deployment "embark-backend" exceeded its progress deadline; put back in main of deploy.git what nonprod held before v2.0.0 (${putBack.slice(0, 12)})`,
    );
    expect(failure.details).toEqual([
      `last reported: sync Synced at ${pushed.slice(0, 12)}, health Degraded (Deployment "embark-backend" exceeded its progress deadline)`,
    ]);
    expect(failure.hint).toContain('argocd app get embark-nonprod -N argocd');
    // The release before is what the branch holds again, so Argo CD syncs back to it.
    expect(deployRepo.git(['rev-parse', `${putBack}:nonprod`])).toBe(deployRepo.git(['rev-parse', `${goodCommit}:nonprod`]));
    expect(deployRepo.message(putBack)).toBe(
      `Put back nonprod as it was before embark v2.0.0\n\nv2.0.0 did not sync: ${failure.specific.slice(0, failure.specific.indexOf('; put back'))}`,
    );
  });

  it('leaves a reviewed merge that did not sync to a person to revert, and says how', async () => {
    argoDoes({ kind: 'degraded', message: 'CrashLoopBackOff' });
    const target = nonprodTarget(60, 'manual');
    await target.propose(release, () => undefined);
    const merge = deployRepo.merge('slipway/nonprod/v2.0.0', 'main');
    const failure = await failureOf(target.deploy({ release, runId: 1, log: () => undefined }));
    expect(failure.specific).toBe(
      `Argo CD Application argocd/embark-nonprod did not sync ${merge.slice(0, 12)}: health Degraded: CrashLoopBackOff`,
    );
    expect(failure.hint).toContain(
      `To put the release before back, revert ${merge.slice(0, 12)} in main of deploy.git (git revert -m 1 ${merge.slice(0, 12)}).`,
    );
    expect(deployRepo.head('main')).toBe(merge);
  });

  it('fails at the timeout naming what Argo CD last reported when it never syncs the commit', async () => {
    argoDoes({ kind: 'never' });
    const before = deployRepo.head('main')!.slice(0, 12);
    const failure = await failureOf(nonprodTarget(0.5).deploy({ release, runId: 1, log: (line) => void lines.push(line) }));
    const pushed = deployRepo.git(['rev-parse', 'main^']).slice(0, 12);
    expect(failure.specific).toBe(
      `Argo CD Application argocd/embark-nonprod did not report ${pushed} synced and healthy within 0.5 s; took nonprod out of main of deploy.git again, as before v2.0.0 (${deployRepo.head('main')!.slice(0, 12)})`,
    );
    // A first deploy that did not sync is taken out again.
    expect(deployRepo.files('main', '')).toEqual(['README.md']);
    expect(failure.details).toEqual([`last reported: sync OutOfSync at ${before}, health Healthy`]);
    expect(failure.hint).toContain('raise gitops.syncTimeoutSeconds');
  });

  it('says the Application does not exist when the cluster has none (no Argo CD there)', async () => {
    const failure = await failureOf(nonprodTarget(0.3).deploy({ release, runId: 1, log: (line) => void lines.push(line) }));
    expect(failure.specific).toMatch(
      /^Argo CD Application argocd\/embark-nonprod did not report \w{12} synced and healthy within 0.3 s; took nonprod out of main of deploy.git again, as before v2.0.0 \(\w{12}\)$/,
    );
    expect(failure.details).toEqual(['last reported: the Application does not exist']);
  });
});
