import { WorkTreeListing } from '../build/workspace/index.ts';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../cli/commands/approve.ts';
import { loadConfig } from '../config/load.ts';
import { runStages } from '../engine/engine.ts';
import type { PipelineEvent } from '../engine/events.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { homeAt, type Home } from '../shared/home.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { deploy } from '../stages/deploy.ts';
import { BareDeployRepository } from '../test-support/deploy-repository.ts';
import { simulateArgoCd } from '../test-support/argo-standin.ts';
import { createForgeRelease } from '../test-support/forge-release.ts';
import { withPromotions } from '../test-support/promotion-fixtures.ts';
import { startKubeStandin } from '../test-support/k8s-standin/index.ts';
import { embarkReleaseOf } from '../test-support/kube-fixtures.ts';
import { openRunAdapters } from './adapters.ts';
import { runPipeline } from './pipeline.ts';
import { commandOutput } from '../test-support/command-output.ts';

/**
 * GitOps mode through the real stages and promotion: releases recorded in the repository's forge
 * as a run would, carried to a deploy repository (a real bare repository) that Argo CD would
 * apply. No cluster: each deploy waits a short sync timeout, and the stability window asks the
 * environment's front door (a loopback server here).
 */
let dir: string;
let repoDir: string;
let home: Home;
let deployRepo: BareDeployRepository;
let frontDoor: Server;

async function writeConfig(gates: { nonprod: 'auto' | 'manual'; prod: 'auto' | 'manual' }, nonprodCluster?: object): Promise<void> {
  const url = `http://127.0.0.1:${(frontDoor.address() as AddressInfo).port}`;
  const service = (name: string, port: number, routes: string[]) => ({
    package: `@embark/${name}`,
    port,
    command: ['node', 'dist/server.js'],
    health: '/healthcheck',
    routes,
  });
  const environment = (name: 'nonprod' | 'prod') => ({
    namespace: `embark-${name}`,
    host: `${name}.embark.test`,
    url,
    gate: gates[name],
    ...(name === 'nonprod' && nonprodCluster ? { cluster: nonprodCluster } : {}),
    gitops: { repository: '../deploy.git', path: `clusters/${name}/embark`, syncTimeoutSeconds: nonprodCluster ? 60 : 0.05 },
  });
  const config = {
    project: 'embark',
    services: { backend: service('backend', 7007, ['/api']), frontend: service('frontend', 3000, ['/']) },
    environments: { nonprod: environment('nonprod'), prod: environment('prod') },
    smoke: [],
    stability: { windowSeconds: 0.3, intervalMs: 100 },
  };
  await writeFile(join(repoDir, 'slipway.config.json'), JSON.stringify(config));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-gitops-run-'));
  repoDir = join(dir, 'repo');
  home = homeAt(join(dir, 'home'));
  deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
  frontDoor = createServer((req, res) => res.writeHead(req.url === '/healthcheck' ? 204 : 404).end());
  await new Promise<void>((resolve) => frontDoor.listen(0, '127.0.0.1', resolve));
  execFileSync('mkdir', ['-p', repoDir]);
  await writeConfig({ nonprod: 'auto', prod: 'manual' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'embark');
});

afterEach(async () => {
  frontDoor.closeAllConnections();
  await new Promise((resolve) => frontDoor.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function createRelease(version: string, seed: string): Promise<ReleaseManifest> {
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const manifest = { ...embarkReleaseOf(version, seed), createdAt: '2026-12-03T10:00:00.000Z' };
  await createForgeRelease(home, config, repoDir, manifest);
  return manifest;
}

const summaryOf = (events: PipelineEvent[], stage: string) =>
  events.flatMap((event) => (event.type === 'stage-end' && event.stage === stage ? [event.summary] : [])).at(-1);

describe('releases in GitOps mode', () => {
  it('commits nonprod to main, proposes prod on a review branch, and deploys prod once the review is merged and approved', async () => {
    await createRelease('1.0.0', '1');
    const events: PipelineEvent[] = [];
    const first = await runPipeline({
      repoDir,
      home,
      trigger: 'approve nonprod v1.0.0',
      scope: 'promotion',
      promote: 'v1.0.0',
      listener: (event) => events.push(event),
    });
    expect(first.failures).toEqual([]);
    expect(summaryOf(events, 'promote')).toBe(
      'v1.0.0 stable in nonprod; prod waits for approval: merge slipway/prod/v1.0.0 into main of ../deploy.git, then run `slipway approve prod v1.0.0`',
    );
    expect(deployRepo.files('main', 'clusters')).toEqual(['nonprod']);
    expect(deployRepo.message(deployRepo.head('main')!)).toContain('Deploy embark v1.0.0 to nonprod');
    expect(deployRepo.files('slipway/prod/v1.0.0', 'clusters')).toEqual(['nonprod', 'prod']);
    const mainBefore = deployRepo.head('main');

    // Approved before the review is merged: the approval is kept, prod keeps waiting for the merge
    // (nothing failed, no deploy began), and main is untouched.
    const early = await commandOutput(() => approveCommand({ args: ['prod', 'v1.0.0'], repo: repoDir, home: home.root }));
    expect(early.code, early.output).toBe(0);
    expect(early.output).toContain('v1.0.0 approved for prod');
    expect(early.output).toContain(
      'prod waits for approval: merge slipway/prod/v1.0.0 into main of ../deploy.git, then run `slipway approve prod v1.0.0`',
    );
    expect(deployRepo.head('main')).toBe(mainBefore);
    await withPromotions(repoDir, home, (store) => expect(store.record('prod', 'v1.0.0')?.status).toBe('awaiting-approval'));

    // Merged, then approved again: prod runs it, by the merge commit.
    const merge = deployRepo.merge('slipway/prod/v1.0.0', 'main');
    const approved = await commandOutput(() => approveCommand({ args: ['prod', 'v1.0.0'], repo: repoDir, home: home.root }));
    expect(approved.code).toBe(0);
    expect(deployRepo.head('main')).toBe(merge);
    await withPromotions(repoDir, home, (store) => {
      expect(store.record('nonprod', 'v1.0.0')?.status).toBe('stable');
      expect(store.record('prod', 'v1.0.0')?.status).toBe('stable');
    });
  });

  it("stops the run's own environment at a manual gate with its review branch named in the deploy stage's summary", async () => {
    await writeConfig({ nonprod: 'manual', prod: 'manual' });
    const release = await createRelease('1.1.0', '2');
    const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
    const store = new RunStore(home.stateDb);
    const run = store.createRun({ project: 'embark', repoDir, commit: release.commit, branch: 'main', trigger: 'test' });
    for (const stage of ['integration', 'k8s-tests']) store.setStage(run.id, stage, 'succeeded', { outputs: {} });
    store.setStage(run.id, 'release', 'succeeded', { outputs: { manifest: release, releaseId: 1, manifestPath: '' } });
    const adapters = openRunAdapters({ home, config, repoDir, webhooks: [], redactor: new Redactor() });
    const events: PipelineEvent[] = [];
    try {
      const failures = await runStages({
        store,
        stages: [deploy],
        listener: (event) => events.push(event),
        context: {
          run,
          config,
          repoDir,
          home,
          runDir: home.runDir(run.id),
          redactor: new Redactor(),
          adapters,
          workTree: new WorkTreeListing(repoDir),
        },
      });
      expect(failures).toEqual([]);
    } finally {
      await adapters.close();
      store.close();
    }
    expect(summaryOf(events, 'deploy')).toContain(
      'nonprod waits for approval: merge slipway/nonprod/v1.1.0 into main of ../deploy.git, then run `slipway approve nonprod v1.1.0`',
    );
    expect(deployRepo.branches()).toEqual(['main', 'slipway/nonprod/v1.1.0']);
    expect(deployRepo.files('main', '')).toEqual(['README.md']);
  });

  it('waits for Argo CD on the cluster, which applies the commit, and judges stability through the cluster', async () => {
    const standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
    const argo = simulateArgoCd(
      standin,
      deployRepo,
      { name: 'embark-nonprod', namespace: 'argocd', branch: 'main' },
      {
        kind: 'applies',
        path: 'clusters/nonprod/embark',
      },
    );
    try {
      for (const service of ['embark-backend', 'embark-frontend']) standin.serveService('embark-nonprod', service, () => ({ status: 204 }));
      await writeFile(join(repoDir, 'kubeconfig.yaml'), standin.kubeconfig);
      await writeConfig({ nonprod: 'auto', prod: 'manual' }, { provider: 'kubeconfig', path: 'kubeconfig.yaml' });
      const release = await createRelease('1.2.0', '4');
      const events: PipelineEvent[] = [];
      const outcome = await runPipeline({
        repoDir,
        home,
        trigger: 'approve nonprod v1.2.0',
        scope: 'promotion',
        promote: 'v1.2.0',
        listener: (event) => events.push(event),
      });
      expect(outcome.failures).toEqual([]);
      const pushed = deployRepo.head('main')!;
      expect(summaryOf(events, 'promote')).toMatch(
        /^v1\.2\.0 stable in nonprod; prod waits for approval: merge slipway\/prod\/v1\.2\.0 into main/,
      );
      // What runs in the cluster is what was committed: Argo CD applied it, not Slipway.
      const deployment = standin.get('apps/v1', 'Deployment', 'embark-nonprod', 'embark-backend') as unknown as {
        metadata: { managedFields: { manager: string }[] };
        spec: { template: { spec: { containers: { image: string }[] } } };
      };
      expect(deployment.spec.template.spec.containers[0].image).toBe(release.images.backend.reference);
      expect(deployment.metadata.managedFields.map((field) => field.manager)).toEqual(['argocd-controller']);
      const logs = events.flatMap((event) => (event.type === 'stage-log' ? [event.line] : []));
      expect(logs).toContain(`Argo CD Application argocd/embark-nonprod: ${pushed.slice(0, 12)} synced and healthy`);
      // The stability window asked the services through the cluster's API server.
      expect(standin.requests.some((request) => request.path.startsWith('/api/v1/namespaces/embark-nonprod/services/embark-backend'))).toBe(
        true,
      );
    } finally {
      argo.stop();
      await standin.close();
    }
  });
});
