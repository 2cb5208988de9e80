import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig, requireReleaseTargets } from '../config/load.ts';
import { secretValues } from '../config/secrets.ts';
import type { Config } from '../config/schema.ts';
import { runStages } from '../engine/engine.ts';
import type { EventListener } from '../engine/events.ts';
import { feedbackFrom, type Feedback } from '../shared/feedback/feedback.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { createHome, type Home } from '../shared/home.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore, type RunRecord } from '../shared/state/run-store.ts';
import { ChildRecords } from '../shared/child-records.ts';
import { gitOrUndefined, gitResult, type GitHead } from '../shared/git.ts';
import { readManifestFile } from '../shared/json-files.ts';
import { waitFor } from '../shared/net.ts';
import { openRunAdapters, type RunAdapters } from './adapters.ts';
import { pruneRuns } from './prune-runs.ts';
import { reportRun } from './report-run.ts';
import { startForgeFeedback, type ForgeFeedbackReporter } from './forge-feedback.ts';
import { claimReleaseHalf, holdRepository } from './run-leases.ts';
import type { PlacedOutputs } from '../build/cache/index.ts';
import { checksFingerprint, rememberChecks, rememberedRunId, type ChecksInputs } from './unchanged-run.ts';
import { WorkTreeListing } from '../build/workspace/index.ts';
import type { PipelineStage } from '../stages/context.ts';
import { pipelineStages } from '../stages/index.ts';
import { promoteStage } from '../stages/promote.ts';
import { recordedRelease } from '../stages/recorded-release.ts';
import { rollbackStage, type RollbackRequest } from '../stages/rollback.ts';
import { HostFailure } from '../shared/feedback/host-failure.ts';
import { shardRunName, type ShardSpec } from '../build/shard/spec.ts';

export interface PipelineOptions {
  repoDir: string;
  home: Home;
  listener: EventListener;
  trigger: string;
  registryReadOnly?: boolean;
  /** Receive the release webhook elsewhere (a running `slipway serve`) instead of in this process. */
  webhook?: { url: string; secret: string };
  /** Resume this run (same commit) instead of starting a new one: finished stages are not redone. */
  resumeRunId?: number;
  /** 'checks' builds and tests only (`slipway ci`): no version, image or release. Default 'release'. */
  scope?: PipelineScope;
  /** The inputs' fingerprint and work tree listing when the caller has just made them (see unchanged-run.ts). */
  checksInputs?: ChecksInputs;
  /** With scope 'promotion' or 'release-half': the release tag to carry on. */
  promote?: string;
  /** HEAD when the caller has just read it. */
  head?: GitHead;
  /** With scope 'rollback': which environment to roll back, to what, and why. */
  rollback?: RollbackRequest;
  /**
   * Stop at the first failure (`--fail-fast`, `--no-fail-fast`). Default: the configuration's
   * `failFast`, else on for 'checks' (a pull request wants its first failure soon) and off for the
   * others (a merge's run finds every failure and caches every passing result).
   */
  failFast?: boolean;
  /** With scope 'checks': run this shard's part of the commit's checks and record it for `slipway ci --merge`. */
  shard?: ShardSpec;
}

/**
 * 'promotion' carries an existing release on through the environments (`slipway approve`);
 * 'release-half' runs the release half of a release the forge has (`slipway release`, on the
 * workflow's next job or another runner), from its release manifest; 'rollback' puts an
 * environment back to its earlier stable release (`slipway rollback`).
 */
export type PipelineScope = 'release' | 'checks' | 'promotion' | 'release-half' | 'rollback';

/** Each kind of run's check run on GitHub, named by the command that runs it. */
const checkNames: Record<PipelineScope, string> = {
  checks: 'slipway ci',
  release: 'slipway run',
  'release-half': 'slipway release',
  promotion: 'slipway approve',
  rollback: 'slipway rollback',
};

/** The stages `slipway ci` runs: what a pull request needs before merging, nothing that publishes. */
const checkStages = new Set(['trigger', 'deps', 'packages', 'unit', 'coverage', 'browser']);

export interface PipelineOutcome {
  run: RunRecord;
  failures: Feedback[];
  /** Set when the run reached the release stage. */
  release?: ReleaseManifest;
  /** Whether the release half ran here (false when handed to an external `slipway serve`). */
  releaseHandedOff: boolean;
  /** When it was handed off: what carries it on. */
  handoff?: string;
}

/**
 * One merge's run: the CI half here, then the forge's signed "release created" webhook starts the
 * release half. By default the receiver runs in this process, so one command carries the merge to
 * a published release; with `webhook` the release half belongs to a separate `slipway serve`.
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineOutcome> {
  const { repoDir, home, listener } = options;
  await createHome(home);
  const scope = options.scope ?? 'release';
  // A check run's records leave no trace outside this machine: they need not reach the disk commit by commit.
  const store = new RunStore(home.stateDb, scope === 'checks' ? 'normal' : 'full');
  const resumed = options.resumeRunId === undefined ? undefined : store.getRun(options.resumeRunId);
  if (options.resumeRunId !== undefined && !resumed) {
    store.close();
    throw new Failure(`no run #${options.resumeRunId} in ${home.root}`, { hint: 'see `slipway runs`' });
  }
  const [commit, currentBranch] = options.head
    ? [options.head.commit, options.head.branch]
    : // Outside a repository both fail: the branch's failure must not win the race and hide headCommit's precise one.
      await Promise.all([
        headCommit(repoDir).then((answer) => answer.trim()),
        gitOrUndefined(repoDir, ['branch', '--show-current']).then((answer) => answer?.trim()),
      ]);
  const branch = currentBranch || 'detached';
  let config: Config;
  let setup = { stage: 'manifest', message: 'Invalid package.json' };
  try {
    // The config is compiled with the root manifest: a broken one must not read as a broken config.
    await readManifestFile(join(repoDir, 'package.json'), 'package.json').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    setup = { stage: 'config', message: 'Invalid configuration' };

    config = (await loadConfig(repoDir, { cacheDir: home.cacheDir })).config;

    if (scope !== 'checks') requireReleaseTargets(config);
  } catch (error) {
    const run = store.createRun({ project: 'unknown', repoDir, commit, branch, trigger: options.trigger });
    const feedback = feedbackFrom(error, { runId: run.id, ...setup });
    store.addFeedback(run.id, setup.stage, feedback);
    store.setRunStatus(run.id, 'failed');
    listener({ type: 'feedback', runId: run.id, feedback });
    store.close();
    return { run, failures: [feedback], releaseHandedOff: false };
  }
  let held: { run: RunRecord; giveUpRepository?: () => void };
  try {
    // A run refused the repository (another run releases it) is rolled back: it never started.
    held = store.atomically(() => {
      const run = resumed ?? store.createRun({ project: config.project, repoDir, commit, branch, trigger: options.trigger });
      const giveUpRepository = scope === 'release' ? holdRepository(store, run) : undefined;
      if (resumed) store.setRunStatus(run.id, 'running');
      return { run, giveUpRepository };
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const { run } = held;
  const failFast = options.failFast ?? config.failFast ?? scope === 'checks';
  // Servers an earlier run started and was killed before it could stop: not left running for good.
  for (const stopped of await new ChildRecords(home.childrenDir).stopOrphans()) {
    listener({ type: 'notice', runId: run.id, level: 'info', message: `stopped ${stopped}` });
  }
  const redactor = new Redactor();
  redactor.add(...secretValues(config));
  let releaseHalf: Promise<Feedback[]> | undefined;
  // The run's feedback on GitHub (its check run, status, deployments, pull-request comment): set up
  // once the adapters are, and told of every stage and every environment the release enters.
  let forgeFeedback: ForgeFeedbackReporter | undefined;
  let runListener: EventListener = listener;
  let receiver: { url: string; close(): Promise<void> } | undefined;
  let webhook = options.webhook;
  // The embedded forge delivers its webhooks to this process; GitHub cannot reach a runner, so a
  // run on GitHub ends at the draft release and the workflow starts the release half.
  if (!webhook && scope === 'release' && config.forge.kind === 'local' && config.forge.releaseHalf !== 'needs') {
    const secret = randomBytes(32).toString('hex');
    redactor.add(secret);
    const [{ FileDeliveryLog }, { startWebhookReceiver }, { releaseDeliveryHandler }] = await Promise.all([
      import('../release/forge/webhooks/delivery-log.ts'),
      import('../release/forge/webhooks/receiver.ts'),
      import('./release-deliveries.ts'),
    ]);
    receiver = await startWebhookReceiver({
      secrets: [secret],
      seen: new FileDeliveryLog(join(home.root, 'deliveries.log')),
      onEvent: releaseDeliveryHandler({
        store,
        runOf: () => run,
        releaseHalf: () => continueRelease({ store, run, config, home, redactor, adapters, listener: runListener, failFast }),
        started: (half) => (releaseHalf = half),
      }),
    });
    webhook = { url: receiver.url, secret };
  }
  const adapters = openRunAdapters({
    home,
    config,
    repoDir,
    webhooks: webhook ? [webhook] : [],
    redactor,
    registryReadOnly: options.registryReadOnly,
    notify: (level, message) => listener({ type: 'notice', runId: run.id, level, message: redactor.redact(message) }),
    onEnvironmentChange: (change) => forgeFeedback?.onEnvironmentChange(change),
    shardRun: options.shard && shardRunName(),
  });
  // A shard's result is the merge's to report: one check run for the sharded run.
  if (!options.shard && (config.forge.kind === 'github' || scope !== 'checks')) {
    const started = startForgeFeedback({ open: () => adapters.forgeFeedback(), run, checkName: checkNames[scope], listener, redactor });
    forgeFeedback = started.reporter;
    runListener = started.listener;
  }
  const shard = options.shard && { spec: options.shard, commit, waitMs: config.ci.shardWaitMinutes * 60_000 };
  const stages =
    scope === 'checks'
      ? pipelineStages.filter((stage) => checkStages.has(stage.id))
      : scope === 'promotion'
        ? [recordedRelease(options.promote ?? ''), promoteStage(['release'])]
        : scope === 'release-half'
          ? releaseHalfStages(options.promote ?? '')
          : scope === 'rollback'
            ? [rollbackStage(rollbackRequest(options.rollback))]
            : stagesOf('ci');
  try {
    // A check run's inputs as it found them: remembered with its result, and hashed from the same
    // listing. A shard's checks are part of a run, never remembered as the checks of the whole.
    const checksInputs = scope === 'checks' && !shard ? (options.checksInputs ?? (await checksFingerprint(repoDir, home))) : undefined;
    const workTree = new WorkTreeListing(repoDir, checksInputs?.listing);
    const stageContext = { run, config, repoDir, home, runDir: home.runDir(run.id), redactor, adapters, workTree, shard };
    const failures =
      scope === 'release-half'
        ? await releaseHalfOnce(store, run, options.promote ?? '', () =>
            runStages({ store, stages, context: stageContext, listener: runListener, failFast }),
          )
        : await runStages({ store, stages, context: stageContext, listener: runListener, failFast });

    if (failures.length === 0 && receiver) {
      // The release stage succeeded, so the forge delivered the webhook and the receiver started the
      // half; a resumed run whose release was delivered before the crash starts it here.
      if (!releaseHalf && resumed) {
        const tag = (store.stage(run.id, 'release')?.outputs as { manifest: ReleaseManifest }).manifest.tag;
        const claim = claimReleaseHalf(store, run, tag, { reopen: true });
        if ('skipped' in claim) throw new HostFailure(claim.message, { hint: `it carries on there: see \`slipway show ${run.id}\`` });
        releaseHalf = claim.run(() => continueRelease({ store, run, config, home, redactor, adapters, listener: runListener, failFast }));
      }
      if (!releaseHalf) throw new Error('the release was created and its webhook delivered, but no release half started');
      failures.push(...(await releaseHalf));
    }

    if (shard) {
      const { recordShard } = await import('./shard-record.ts');
      await recordShard({ store, runId: run.id, run: shard, home, config, repoDir, caches: await adapters.caches() }).catch(
        (error: Error) =>
          listener({
            type: 'notice',
            runId: run.id,
            level: 'warning',
            message: `shard ${shard.spec.index}/${shard.spec.count} left no record: ${error.message}`,
          }),
      );
    }
    const release = store.stage(run.id, 'release')?.outputs as { manifest?: ReleaseManifest } | undefined;
    const handedOff = failures.length === 0 && scope === 'release' && !receiver;
    store.setRunStatus(run.id, failures.length ? 'failed' : handedOff ? 'waiting' : 'succeeded');
    const handoff = handedOff && release?.manifest ? handoffOf(config, release.manifest.tag, Boolean(options.webhook)) : undefined;
    // A check run that passed is remembered (git lists the work tree again) while its reports are
    // written; both end before the store closes, and a failure of either is thrown once both have.
    const settled = await Promise.allSettled([
      checksInputs && failures.length === 0
        ? rememberChecks(home, run, checksInputs.fingerprint, placedOutputs(store, run.id), config)
        : undefined,
      reportRun({
        store,
        runId: run.id,
        home,
        notify: config.notify,
        redactor,
        listener,
        createdTag: scope === 'release' ? release?.manifest?.tag : undefined,
        handoff,
        forge: forgeFeedback,
      }),
    ]);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    await pruneRuns(store, home, [await rememberedRunId(home)]);

    return { run: store.getRun(run.id)!, failures, release: release?.manifest, releaseHandedOff: handedOff, handoff };
  } finally {
    await receiver?.close();
    await adapters.close();
    held.giveUpRepository?.();
    store.close();
  }
}

/** Every output the run's stages placed in the working tree (builds, test reports). */
function placedOutputs(store: RunStore, runId: number): PlacedOutputs[] {
  return store.stages(runId).flatMap((stage) => (stage.outputs as { placed?: PlacedOutputs[] } | undefined)?.placed ?? []);
}

/** The commit a run is of; a checkout without one (an empty clone, not a repository) is said so. */
async function headCommit(repoDir: string): Promise<string> {
  const head = await gitResult(repoDir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code === 0) return head.stdout;
  throw new Failure(`${repoDir} has no commit to run: HEAD names none`, {
    details: [head.stderr.trim() || 'git rev-parse HEAD found no commit'],
    hint: 'run in a git checkout with a commit (an empty clone has none: check the remote default branch)',
  });
}

/** What carries a handed-off release on, in the developer's words. */
function handoffOf(config: Config, tag: string, externalReceiver: boolean): string {
  if (externalReceiver) return 'its webhook went to slipway serve';
  if (config.forge.releaseHalf === 'dispatch') return 'a slipway-release repository_dispatch starts its release half';
  if (config.forge.releaseHalf === 'webhook') return "the forge's release webhook starts its release half in slipway serve";
  return `the release half runs next: slipway release ${tag}`;
}

/** One release half per release: another process carrying this release on is not raced. */
async function releaseHalfOnce(store: RunStore, run: RunRecord, tag: string, work: () => Promise<Feedback[]>): Promise<Feedback[]> {
  const claim = claimReleaseHalf(store, run, tag);
  if ('skipped' in claim) throw new HostFailure(claim.message, { hint: 'see `slipway runs`' });
  return claim.run(work);
}

/** The release half for a run whose CI half finished: integration through publish. */
export async function continueRelease(opts: {
  store: RunStore;
  run: RunRecord;
  config: Config;
  home: Home;
  redactor: Redactor;
  listener: EventListener;
  adapters: RunAdapters;
  failFast?: boolean;
}): Promise<Feedback[]> {
  const { store, run, config, home, redactor, adapters, listener, failFast } = opts;
  // The webhook can arrive before the process that created the release has recorded it.
  const recorded = await waitFor(async () => store.stage(run.id, 'release')?.status === 'succeeded', 30_000, 50);
  if (!recorded) throw new Error(`release webhook for run #${run.id} arrived, but its release stage never succeeded`);
  store.setRunStatus(run.id, 'running');
  const context = {
    run,
    config,
    repoDir: run.repoDir,
    home,
    runDir: home.runDir(run.id),
    redactor,
    adapters,
    workTree: new WorkTreeListing(run.repoDir),
  };
  return runStages({ store, stages: stagesOf('release'), context, listener, failFast });
}

/**
 * The release half on a runner that did not run the CI half (the workflow's next job): the
 * dependency install and the builds (from the cache where unchanged) the integration tests use,
 * then the half itself, on the release the forge has.
 */
function releaseHalfStages(tag: string): PipelineStage[] {
  const setup = pipelineStages.filter((stage) => stage.id === 'deps' || stage.id === 'packages');
  const half = stagesOf('release').map((stage) => (stage.id === 'integration' ? { ...stage, needs: [...stage.needs, 'packages'] } : stage));
  return [...setup, recordedRelease(tag), ...half];
}

function rollbackRequest(request: RollbackRequest | undefined): RollbackRequest {
  if (!request) throw new Error("scope 'rollback' needs the rollback's request");
  return request;
}

function stagesOf(phase: PipelineStage['phase']): PipelineStage[] {
  return pipelineStages.filter((stage) => stage.phase === phase);
}
