import { WorkTreeListing } from '../build/workspace/index.ts';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../cli/commands/approve.ts';
import { rollbackCommand } from '../cli/commands/rollback.ts';
import { failureOf } from '../test-support/failure-of.ts';
import { envCommand } from '../cli/commands/env.ts';
import { standinOnPath } from '../test-support/lightkeeper-standin.ts';
import { loadConfig } from '../config/load.ts';
import { runStages } from '../engine/engine.ts';
import type { PipelineEvent } from '../engine/events.ts';
import { homeAt, type Home } from '../shared/home.ts';
import { embarkReleaseOf, standinAccess } from '../test-support/kube-fixtures.ts';
import { kubeClient, revisionHistory } from '../deploy/kubernetes/apply/index.ts';
import { startKubeStandin, type KubeStandin } from '../test-support/k8s-standin/index.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { Redactor } from '../shared/redactor.ts';
import { deploy } from '../stages/deploy.ts';
import { k8sAssets } from '../stages/k8s-assets.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { runPipeline } from './pipeline.ts';
import { openRunAdapters } from './adapters.ts';
import { createForgeRelease, releaseOnForge } from '../test-support/forge-release.ts';
import { withPromotions } from '../test-support/promotion-fixtures.ts';
import { commandOutput } from '../test-support/command-output.ts';

/**
 * The release half on Kubernetes, through the real stages and promotion, against the API server
 * stand-in (no API server runs here): releases are recorded in the repository's forge as a run
 * would, then carried through nonprod, staging and prod.
 */
let dir: string;
let repoDir: string;
let home: Home;
let standin: KubeStandin;
const environments = { nonprod: 'embark-nonprod', staging: 'embark-staging', prod: 'embark-prod' };

function configFor(cluster: Record<string, unknown>) {
  const service = (port: number, routes: string[]) => ({
    package: `@embark/${port === 7007 ? 'backend' : 'frontend'}`,
    port,
    command: ['node', 'dist/server.js'],
    health: '/healthcheck',
    routes,
  });
  return {
    project: 'embark',
    services: { backend: service(7007, ['/api']), frontend: service(3000, ['/']) },
    environments: Object.fromEntries(
      Object.entries(environments).map(([name, namespace]) => [
        name,
        { namespace, host: `${name}.embark.test`, cluster, ...(name === 'prod' ? { gate: 'manual' } : {}) },
      ]),
    ),
    smoke: [],
    stability: { windowSeconds: 0.3, intervalMs: 100 },
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-kubernetes-'));
  repoDir = join(dir, 'repo');
  home = homeAt(join(dir, 'home'));
  standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
  // Every service answers its health check through the API server's service proxy.
  for (const namespace of Object.values(environments)) {
    for (const service of ['embark-backend', 'embark-frontend']) standin.serveService(namespace, service, () => ({ status: 204 }));
  }
  execFileSync('mkdir', ['-p', repoDir]);
  await writeFile(join(repoDir, 'kubeconfig.yaml'), standin.kubeconfig);
  await writeFile(join(repoDir, 'slipway.config.json'), JSON.stringify(configFor({ provider: 'kubeconfig', path: 'kubeconfig.yaml' })));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'embark');
});

afterEach(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

/** A release as the release stage leaves it: in the forge, images pinned by digest. */
async function createRelease(version: string, seed: string, createdAt: string): Promise<ReleaseManifest> {
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const manifest = { ...embarkReleaseOf(version, seed), createdAt };
  await createForgeRelease(home, config, repoDir, manifest);
  return manifest;
}

function promote(tag: string, events: PipelineEvent[] = []) {
  return runPipeline({
    repoDir,
    home,
    trigger: `approve nonprod ${tag}`,
    scope: 'promotion',
    promote: tag,
    listener: (event) => events.push(event),
  });
}

/** What a command printed on standard output. */
async function stdoutOf(command: () => Promise<number>): Promise<string> {
  const { code, stdout, stderr } = await commandOutput(command);
  expect(code, stderr).toBe(0);
  return stdout;
}

const imageIn = (namespace: string) =>
  (
    standin.get('apps/v1', 'Deployment', namespace, 'embark-backend') as
      { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined
  )?.spec.template.spec.containers[0].image;

const summaryOf = (events: PipelineEvent[], stage: string) =>
  events.flatMap((event) => (event.type === 'stage-end' && event.stage === stage ? [event.summary] : [])).at(-1);

describe('releases on Kubernetes', () => {
  it("moves a release through nonprod and staging, stops at prod's manual gate, and goes on once approved", async () => {
    const release = await createRelease('1.0.0', '1', '2026-11-25T10:00:00.000Z');
    const events: PipelineEvent[] = [];
    const first = await promote('v1.0.0', events);
    expect(first.failures).toEqual([]);
    expect(summaryOf(events, 'promote')).toBe(
      'v1.0.0 stable in nonprod, staging; prod waits for approval: run `slipway approve prod v1.0.0`',
    );
    expect(imageIn('embark-nonprod')).toBe(release.images.backend.reference);
    expect(imageIn('embark-staging')).toBe(release.images.backend.reference);
    expect(imageIn('embark-prod')).toBeUndefined();

    // The approval carries it on: deployed and judged in prod, by the same digests.
    const code = await approveCommand({ args: ['prod', 'v1.0.0'], repo: repoDir, home: home.root });
    expect(code).toBe(0);
    expect(imageIn('embark-prod')).toBe(release.images.backend.reference);
    expect(imageIn('embark-prod')).toMatch(/@sha256:1{64}$/);
    await withPromotions(repoDir, home, (store) => {
      for (const environment of Object.keys(environments)) expect(store.record(environment, 'v1.0.0')?.status).toBe('stable');
    });
    const history = await revisionHistory(kubeClient(standinAccess(standin)), 'embark-prod');
    expect(history.map((record) => [record.revision, record.release, record.status])).toEqual([[1, 'v1.0.0', 'deployed']]);

    // `slipway env` reaches the cluster through the environment's deploy target.
    const status = JSON.parse(await stdoutOf(() => envCommand({ args: ['status', 'prod'], repo: repoDir, home: home.root, json: true })));
    expect(status).toMatchObject({
      revision: '1',
      url: 'https://prod.embark.test',
      history: [{ revision: '1 (v1.0.0)', outcome: 'deployed' }],
    });
    expect(await stdoutOf(() => envCommand({ args: ['down', 'prod'], repo: repoDir, home: home.root }))).toContain('prod: stopped');
    expect(imageIn('embark-prod')).toBeUndefined();
    expect(imageIn('embark-staging')).toBe(release.images.backend.reference);
  });

  it('deploys two releases racing for nonprod one at a time, the newer one winning', async () => {
    await createRelease('1.1.0', 'a', '2026-11-25T11:00:00.000Z');
    const newer = await createRelease('1.2.0', 'b', '2026-11-25T12:00:00.000Z');
    const olderEvents: PipelineEvent[] = [];
    const older = promote('v1.1.0', olderEvents);
    // The newer one starts while the older one holds nonprod's deploy lease.
    for (let tries = 0; tries < 200; tries += 1) {
      if (await withPromotions(repoDir, home, (store) => store.lease('nonprod'))) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const newerEvents: PipelineEvent[] = [];
    const [olderOutcome, newerOutcome] = await Promise.all([older, promote('v1.2.0', newerEvents)]);
    expect(olderOutcome.failures).toEqual([]);
    expect(newerOutcome.failures).toEqual([]);
    for (const namespace of ['embark-nonprod', 'embark-staging']) expect(imageIn(namespace)).toBe(newer.images.backend.reference);
    await withPromotions(repoDir, home, (store) => {
      const [a, b] = [store.record('nonprod', 'v1.1.0')!, store.record('nonprod', 'v1.2.0')!];
      // One at a time: the newer deploy started once the older one had finished.
      expect(a.finishedAt! <= b.startedAt!).toBe(true);
      expect(store.live('nonprod')?.tag).toBe('v1.2.0');
      // The older one gives way wherever the newer one wants to go too.
      expect(store.record('prod', 'v1.1.0')?.status ?? 'superseded').toBe('superseded');
    });
    expect(summaryOf(newerEvents, 'promote')).toBe(
      'v1.2.0 stable in nonprod, staging; prod waits for approval: run `slipway approve prod v1.2.0`',
    );

    // An older release arriving late never replaces the newer one.
    await createRelease('1.1.5', 'c', '2026-11-25T11:30:00.000Z');
    const lateEvents: PipelineEvent[] = [];
    const late = await promote('v1.1.5', lateEvents);
    expect(late.failures).toEqual([]);
    expect(summaryOf(lateEvents, 'promote')).toBe('v1.1.5: not promoted to nonprod: v1.2.0, a newer release than v1.1.5, supersedes it');
    expect(imageIn('embark-nonprod')).toBe(newer.images.backend.reference);
  });

  it("rolls a rollout that never becomes ready back, with the pods' events in the feedback", async () => {
    const good = await createRelease('2.0.0', 'd', '2026-11-25T13:00:00.000Z');
    expect((await promote('v2.0.0')).failures).toEqual([]);
    const bad = await createRelease('2.1.0', 'e', '2026-11-25T14:00:00.000Z');
    standin.setRolloutBehaviour({ image: 'e'.repeat(64), deployment: 'embark-backend' }, 'never-ready');

    // The run's own environment goes through the deploy stage, whose failure has the RFC's words.
    const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
    const store = new RunStore(home.stateDb);
    const run = store.createRun({ project: 'embark', repoDir, commit: bad.commit, branch: 'main', trigger: 'test' });
    for (const stage of ['integration', 'k8s-tests']) store.setStage(run.id, stage, 'succeeded', { outputs: {} });
    store.setStage(run.id, 'release', 'succeeded', { outputs: { manifest: bad, releaseId: 2, manifestPath: '' } });
    const redactor = new Redactor();
    const adapters = openRunAdapters({ home, config, repoDir, webhooks: [], redactor });
    try {
      const failures = await runStages({
        store,
        stages: [deploy],
        listener: () => {},
        context: { run, config, repoDir, home, runDir: home.runDir(run.id), redactor, adapters, workTree: new WorkTreeListing(repoDir) },
      });
      expect(failures).toHaveLength(1);
      const [feedback] = failures;
      expect(feedback.message).toBe('Failed to deploy to nonprod env');
      expect(feedback.specific).toBe(
        'deployment embark-backend in embark-nonprod never became ready (ProgressDeadlineExceeded); rolled back to revision 1 (v2.0.0)',
      );
      expect([...feedback.details, ...feedback.logExcerpt].join('\n')).toContain(
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
      );
    } finally {
      await adapters.close();
      store.close();
    }
    expect(imageIn('embark-nonprod')).toBe(good.images.backend.reference);
    await withPromotions(repoDir, home, (promotions) => {
      expect(promotions.live('nonprod')?.tag).toBe('v2.0.0');
      expect(promotions.record('nonprod', 'v2.1.0')?.status).toBe('failed');
    });
  });

  it('rolls prod back to the release stable there before, by its digests, and refuses the bad one from then on', async () => {
    const good = await createRelease('4.0.0', '4', '2026-11-26T10:00:00.000Z');
    const bad = await createRelease('4.1.0', '5', '2026-11-26T11:00:00.000Z');
    for (const tag of ['v4.0.0', 'v4.1.0']) {
      expect((await promote(tag)).failures).toEqual([]);
      expect(await approveCommand({ args: ['prod', tag], repo: repoDir, home: home.root })).toBe(0);
    }
    expect(imageIn('embark-prod')).toBe(bad.images.backend.reference);

    // A rollout that never becomes ready: the cluster goes back to what ran, and the feedback says so.
    standin.setRolloutBehaviour({ image: '4'.repeat(64), namespace: 'embark-prod' }, 'never-ready');
    const events: PipelineEvent[] = [];
    const failed = await runPipeline({
      repoDir,
      home,
      trigger: 'rollback prod',
      scope: 'rollback',
      rollback: { environment: 'prod', reason: 'checkout answers 500', by: 'ana' },
      listener: (event) => events.push(event),
    });
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0].message).toBe('Rollback failed');
    expect(failed.failures[0].specific).toMatch(
      /^prod: v4\.0\.0 could not be deployed: deployment embark-backend in embark-prod never became ready/,
    );
    expect(failed.failures[0].details[0]).toBe('prod still runs v4.1.0: nothing was rolled back');
    expect(imageIn('embark-prod')).toBe(bad.images.backend.reference);

    standin.setRolloutBehaviour({ image: '4'.repeat(64), namespace: 'embark-prod' }, 'ready');
    const printed = await stdoutOf(() =>
      rollbackCommand({ args: ['prod'], repo: repoDir, home: home.root, reason: 'checkout answers 500', verbose: false }),
    );
    expect(printed).toMatch(/Run #\d+: rolled back prod from v4\.1\.0 to v4\.0\.0: checkout answers 500/);
    // The earlier release's digests run again; staging keeps the newer one.
    expect(imageIn('embark-prod')).toBe(good.images.backend.reference);
    expect(imageIn('embark-staging')).toBe(bad.images.backend.reference);
    const summary = await readFile(/summary: (\S+)/.exec(printed)![1], 'utf8');
    expect(summary).toContain('| rollback | ✅ succeeded | rolled back prod from v4.1.0 to v4.0.0: checkout answers 500 |');
    await withPromotions(repoDir, home, (store) => {
      expect(store.live('prod')?.tag).toBe('v4.0.0');
      expect(store.record('prod', 'v4.1.0')?.status).toBe('rolled-back');
      expect(store.record('prod', 'v4.0.0')?.status).toBe('stable');
    });
    const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
    expect((await releaseOnForge(home, config, repoDir, 'v4.1.0'))?.body).toMatch(
      /\*\*Rolled back\*\* in prod by \S+ \(Slipway run #\d+\): checkout answers 500\. prod runs v4\.0\.0 again/,
    );

    // The rolled-back release goes nowhere again, whoever approves it.
    const refused = await failureOf(approveCommand({ args: ['prod', 'v4.1.0'], repo: repoDir, home: home.root }));
    expect(refused.specific).toMatch(/^v4\.1\.0 was rolled back in prod by \S+: checkout answers 500$/);
    expect(refused.hint).toContain('release the fix as a newer release');
  });

  it("turns Lightkeeper's login prompt into feedback that says to provide the token", async () => {
    const lightkeeper = await standinOnPath();
    const savedPath = process.env.PATH;
    process.env.PATH = lightkeeper.env.PATH;
    delete process.env.LIGHTKEEPER_TOKEN;
    try {
      await writeFile(join(repoDir, 'slipway.config.json'), JSON.stringify(configFor({ provider: 'lightkeeper', cluster: 'nonprod' })));
      const release = await createRelease('3.0.0', 'f', '2026-11-25T15:00:00.000Z');
      const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
      const store = new RunStore(home.stateDb);
      const run = store.createRun({ project: 'embark', repoDir, commit: release.commit, branch: 'main', trigger: 'test' });
      store.setStage(run.id, 'release', 'succeeded', { outputs: { manifest: release, releaseId: 1, manifestPath: '' } });
      const redactor = new Redactor();
      const adapters = openRunAdapters({ home, config, repoDir, webhooks: [], redactor });
      try {
        const [feedback] = await runStages({
          store,
          stages: [k8sAssets],
          listener: () => {},
          context: { run, config, repoDir, home, runDir: home.runDir(run.id), redactor, adapters, workTree: new WorkTreeListing(repoDir) },
        });
        expect(feedback.message).toBe('Lightkeeper failed to build assets');
        expect(feedback.specific).toBe('Lightkeeper needs a login: no token was provided');
        expect(feedback.hint).toContain('LIGHTKEEPER_TOKEN');
      } finally {
        await adapters.close();
        store.close();
      }
    } finally {
      process.env.PATH = savedPath;
      await lightkeeper.cleanup();
    }
  });
});
