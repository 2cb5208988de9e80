import { join } from 'node:path';
import { adoptedCoverage } from '../build/checks/index.ts';
import { durationsKey, isShardRecord, shardRecordKey, type ShardRecord } from '../build/shard/record.ts';
import { recordedDurations, shardCache } from '../build/shard/shard-run.ts';
import { shardVerdict } from '../build/shard/verdict.ts';
import { shardRunName } from '../build/shard/spec.ts';
import { preloadRemoteClient, type TieredCache } from '../build/cache/index.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { secretValues } from '../config/secrets.ts';
import type { EventListener } from '../engine/events.ts';
import { feedbackFrom, type Feedback } from '../shared/feedback/feedback.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { gitHead } from '../shared/git.ts';
import { createHome, type Home } from '../shared/home.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore, type StageStatus } from '../shared/state/run-store.ts';
import { gateCoverage } from '../stages/coverage.ts';
import { openRunAdapters } from './adapters.ts';
import { startForgeFeedback, type ForgeFeedbackReporter } from './forge-feedback.ts';
import type { PipelineOutcome } from './pipeline.ts';
import { reportRun } from './report-run.ts';

/**
 * `slipway ci --merge`, the fan-in job of a sharded run: every shard's record from the remote
 * cache, the one verdict, coverage merged through the ledger and checked once, then the run's one
 * feedback, check run and summary. It builds nothing.
 */
export async function mergeShards(options: { repoDir: string; home: Home; listener: EventListener }): Promise<PipelineOutcome> {
  const { repoDir, home, listener } = options;
  phase('entered');
  preloadRemoteClient();
  await createHome(home);
  const head = await gitHead(repoDir);
  if (!head) throw new Failure(`${repoDir} has no commit to merge the shards of: HEAD names none`);
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  phase('config-loaded');
  const count = config.ci.shards;
  if (count === undefined)
    throw new Failure('--merge needs ci.shards in the configuration: how many shards to gather', {
      hint: 'set ci.shards to the count the shards ran with (--shard <i>/<n>)',
    });
  const store = new RunStore(home.stateDb, 'normal');
  const run = store.createRun({ project: config.project, repoDir, commit: head.commit, branch: head.branch || 'detached', trigger: 'ci' });
  const redactor = new Redactor();
  redactor.add(...secretValues(config));
  const notice = (level: 'info' | 'warning', message: string) =>
    listener({ type: 'notice', runId: run.id, level, message: redactor.redact(message) });
  const adapters = openRunAdapters({
    home,
    config,
    repoDir,
    webhooks: [],
    redactor,
    notify: notice,
    onEnvironmentChange: () => undefined,
    shardRun: shardRunName(),
  });
  let forge: ForgeFeedbackReporter | undefined;
  let runListener = listener;
  if (config.forge.kind === 'github') {
    const started = startForgeFeedback({ open: () => adapters.forgeFeedback(), run, checkName: 'slipway ci', listener, redactor });
    forge = started.reporter;
    runListener = started.listener;
  }
  phase('run-opened');
  try {
    const shards = shardCache(await adapters.caches(), config, false);
    phase('cache-opened');
    // Needed only at the end, and read while the records are.
    const earlierDurations = recordedDurations(repoDir, shards);
    earlierDurations.catch(() => undefined); // unread when a shard failed; else its rejection surfaces where it is awaited
    const records = await Promise.all(
      Array.from({ length: count }, async (_, at) => {
        const spec = { index: at + 1, count };
        const record = (await shards.readMeta(shardRecordKey(head.commit, spec)))?.record;
        return isShardRecord(record, spec, head.commit) ? record : undefined;
      }),
    );
    phase('records-read');
    const verdict = shardVerdict(records, run.id, new Date().toISOString());
    const stage = (id: string, status: StageStatus, summary: string) => {
      runListener({ type: 'stage-start', runId: run.id, stage: id, title: id });
      store.setStage(run.id, id, status, { summary });
      const ended = status === 'failed' || status === 'skipped' ? status : 'succeeded';
      runListener({ type: 'stage-end', runId: run.id, stage: id, status: ended, summary, durationMs: 0 });
    };
    const feedback: Feedback[] = [];
    const report = (item: Feedback) => {
      feedback.push(item);
      store.addFeedback(run.id, item.stage, item);
      runListener({ type: 'feedback', runId: run.id, feedback: item });
    };
    for (const each of verdict.stages.filter((each) => each.stage !== 'coverage')) stage(each.stage, each.status, each.summary);
    verdict.feedback.filter((item) => item.kind === 'failure').forEach(report);
    const complete = records.filter((record) => record !== undefined);
    phase('verdict-recorded');
    // Coverage is judged only over every shard's: a failed or lost shard leaves it unknown.
    if (feedback.length === 0 && complete.length === count) {
      const coverage = await mergedCoverage({ records: complete, config, repoDir, home, warn: (message) => notice('warning', message) });
      if ('failure' in coverage) {
        const failed = feedbackFrom(coverage.failure, { runId: run.id, stage: 'coverage', message: 'Insufficient test coverage' });
        stage('coverage', 'failed', failed.specific);
        report(failed);
      } else stage('coverage', 'succeeded', coverage.summary);
      phase('coverage-merged');
      await recordDurations(shards, repoDir, head.commit, complete, await earlierDurations);
      phase('durations-recorded');
    }
    verdict.feedback.filter((item) => item.kind === 'warning').forEach(report);
    const failures = feedback.filter((item) => item.kind === 'failure');
    store.setRunStatus(run.id, failures.length ? 'failed' : 'succeeded');
    await reportRun({ store, runId: run.id, home, notify: config.notify, redactor, listener, forge });
    phase('reported');
    return { run: store.getRun(run.id)!, failures, releaseHandedOff: false };
  } finally {
    await adapters.close();
    store.close();
    phase('closed');
  }
}

/** Where the merge's time goes, for `npm run bench:shard` (bench/merge-phases.mjs reads the marks). */
function phase(name: string): void {
  performance.mark(`merge:${name}`);
}

/** Every shard's coverage through the ledger, checked once: a summary, or the Failure the gates found. */
async function mergedCoverage(opts: {
  records: ShardRecord[];
  config: Config;
  repoDir: string;
  home: Home;
  warn: (message: string) => void;
}): Promise<{ summary: string } | { failure: unknown }> {
  const { records, config } = opts;
  if (!config.coverage.enabled) return { summary: 'off (coverage: false in the configuration)' };
  const memoDir = join(opts.home.cacheDir, 'coverage');
  const measured = records.flatMap((record) => Object.entries(record.coverage));
  if (measured.length === 0) return { summary: 'not measured: no shard measured a package' };
  const memoKeys = Object.fromEntries(measured.map(([name, { key }]) => [name, key]));
  const fromShard = new Map(measured);
  // Read only for packages the ledger does not hold yet, and kept as memos for later ledgers.
  const coverageOf = (name: string) => adoptedCoverage(memoDir, memoKeys[name], fromShard.get(name)!.files, opts.warn);
  const unmeasured = records.flatMap((record) => record.unmeasured).sort();
  try {
    const { summary } = await gateCoverage({
      ctx: { config, repoDir: opts.repoDir, warn: opts.warn },
      memoDir,
      memoKeys,
      coverageOf,
      unmeasured,
    });
    return { summary };
  } catch (error) {
    return { failure: error };
  }
}

/** What this run's packages took, over what earlier runs recorded: the next run's shards are balanced by it. */
async function recordDurations(
  shards: TieredCache,
  repoDir: string,
  commit: string,
  records: ShardRecord[],
  earlier: Record<string, number>,
): Promise<void> {
  const durations = { ...earlier };
  for (const record of records) Object.assign(durations, record.durations);
  await shards.save(durationsKey(commit), repoDir, [], { durations });
}
