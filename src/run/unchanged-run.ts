import { join } from 'node:path';
import { stampTree, type PlacedOutputs } from '../build/cache/output-stamps.ts';
import { findConfigFile, readRawConfig } from '../config/read.ts';
import type { Config, NotifyConfig } from '../config/schema.ts';
import type { EventListener } from '../engine/events.ts';
import { Redactor } from '../shared/redactor.ts';
import { reportRun } from './report-run.ts';
import { startForgeFeedback } from './forge-feedback.ts';
import type { Home } from '../shared/home.ts';
import { RunStore, type RunRecord } from '../shared/state/run-store.ts';
import { gitOrUndefined } from '../shared/git.ts';
import { writeFileAtomic } from '../shared/fs.ts';
import { sha256 } from '../shared/hash.ts';
import { readMemo } from '../shared/json-files.ts';
import { blobId, listFiles } from '../build/workspace/files.ts';

/** The commit checked out, and the branch ('' when detached). */
export interface GitHead {
  commit: string;
  branch: string;
}

interface ChecksMemo {
  format: 4;
  fingerprint: string;
  runId: number;
  placed: PlacedOutputs[];
  /** Every placed output's file stamps when the run ended, in the order of `placed`. */
  stamps: string;
  /** The configuration's notify settings, validated: the replay reports where the run did, without the schema. */
  notify: NotifyConfig;
  /** Its forge, validated: a replay on GitHub still puts its check run on the commit (a pull request's new head). */
  forge: Config['forge'];
}

const memoFormat = 4;
const placedStamps = (placed: PlacedOutputs[]) => JSON.stringify(placed.map(({ dir, paths }) => stampTree(dir, paths)));
const memoPath = (home: Home) => join(home.cacheDir, 'checks-memo.json');

/**
 * Everything a check run's result depends on besides the outputs in place: every file git sees
 * (tracked and untracked, by content: sources, manifests, the lockfile), the configuration as
 * evaluated, the values of its declared environment variables, Slipway's own sources, Node and
 * the platform. node_modules itself is not read: the lockfile and manifests decide what it holds.
 */
export async function checksFingerprint(repoDir: string, home: Home): Promise<string> {
  const [raw, listing] = await Promise.all([readRawConfig(findConfigFile(repoDir), home.cacheDir), listFiles(repoDir)]);
  const files = await Promise.all(
    [...listing.files]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(async ([path, id]) => `${path}\0${id ?? (await blobId(join(repoDir, path), listing.algorithm))}`),
  );
  const declared = (raw as { tasks?: { env?: (string | { name: string })[] } } | undefined)?.tasks?.env ?? [];
  const envKeys = declared.map((entry) => (typeof entry === 'string' ? entry : entry.name)).sort();
  const env = envKeys.map((key) => `${key}=${process.env[key] === undefined ? 'unset' : sha256(process.env[key]!)}`);
  return sha256(
    JSON.stringify([
      memoFormat,
      process.env.SLIPWAY_SOURCES_ID ?? 'sources',
      process.version,
      process.platform,
      process.arch,
      raw,
      files,
      env,
    ]),
  );
}

/** After a successful check run: what it saw, so an identical next run can be answered from it. */
export async function rememberChecks(
  home: Home,
  run: RunRecord,
  fingerprintBefore: string,
  placed: PlacedOutputs[],
  config: Pick<Config, 'notify' | 'forge'>,
): Promise<void> {
  // Only when the run left the inputs as it found them: otherwise the next run sees something else.
  if ((await checksFingerprint(run.repoDir, home)) !== fingerprintBefore) return;
  const memo: ChecksMemo = {
    format: memoFormat,
    fingerprint: fingerprintBefore,
    runId: run.id,
    placed,
    stamps: placedStamps(placed),
    notify: config.notify,
    forge: config.forge,
  };
  await writeFileAtomic(memoPath(home), JSON.stringify(memo));
}

/**
 * Answers a check run whose every input is unchanged since the last successful one, with all its
 * outputs still in place, from that run, without loading the pipeline: what `tsc -b` does for an
 * up-to-date project and Turborepo for a full cache hit. The run is recorded like any other.
 * When anything differs there is no run, and the caller runs the pipeline.
 */
export async function replayUnchangedChecks(opts: {
  repoDir: string;
  home: Home;
  trigger: string;
  listener: EventListener;
}): Promise<{ run?: RunRecord; fingerprint?: string; head?: GitHead }> {
  const { repoDir, home, listener } = opts;
  const memo = await readMemo<ChecksMemo>(memoPath(home), (message) => listener({ type: 'notice', runId: 0, level: 'warning', message }));
  if (memo?.format !== memoFormat) return {};
  const [fingerprint, head] = await Promise.all([
    checksFingerprint(repoDir, home).catch(() => undefined),
    Promise.all([gitOrUndefined(repoDir, ['rev-parse', 'HEAD']), gitOrUndefined(repoDir, ['branch', '--show-current'])]),
  ]);
  // On a miss the fingerprint and HEAD are handed on: the run that follows starts from the same inputs.
  const [commit, branch] = head.map((answer) => answer?.trim());
  const miss = { fingerprint, head: commit === undefined || branch === undefined ? undefined : { commit, branch } };
  if (fingerprint !== memo.fingerprint || !miss.head) return miss;
  // Every output still as the run left it: same size, inode and times, file by file.
  if (placedStamps(memo.placed) !== memo.stamps) return miss;
  const store = new RunStore(home.stateDb);
  try {
    const previous = store.getRun(memo.runId);
    if (previous?.status !== 'succeeded' || previous.repoDir !== repoDir) return miss;
    const head = miss.head;
    const stages = store
      .stages(previous.id)
      // Says what was reused: the earlier run's own words would read as work done now ("2 built").
      .map((stage) => ({
        ...stage,
        summary: `unchanged since run #${previous.id}, nothing redone (run #${previous.id}: ${stage.summary ?? ''})`,
      }));
    // One commit for the whole run: it is recorded complete or not at all.
    const run = store.atomically(() => {
      const created = store.createRun({
        project: previous.project,
        repoDir,
        commit: head.commit,
        branch: head.branch || 'detached',
        trigger: opts.trigger,
      });
      for (const stage of stages) store.setStage(created.id, stage.stage, stage.status, { summary: stage.summary, outputs: stage.outputs });
      store.setRunStatus(created.id, 'succeeded');
      return created;
    });
    const redactor = new Redactor();
    // On GitHub the replayed run still gets its check run and status, on this (maybe new) commit.
    const github =
      memo.forge.kind === 'github'
        ? startForgeFeedback({ open: () => openFeedback(memo.forge, redactor), run, checkName: 'slipway ci', listener, redactor })
        : undefined;
    const tell = github?.listener ?? listener;
    for (const stage of stages) {
      tell({
        type: 'stage-end',
        runId: run.id,
        stage: stage.stage,
        status: stage.status === 'succeeded' ? 'succeeded' : 'skipped',
        summary: stage.summary ?? '',
        durationMs: 0,
      });
    }
    // What is reported was redacted when the earlier run stored it; the redactor takes Slack's URL.
    await reportRun({ store, runId: run.id, home, notify: memo.notify, redactor, listener, forge: github?.reporter });
    return { run: store.getRun(run.id) };
  } finally {
    store.close();
  }
}

/** The forge's feedback channel, loaded only when a replayed run reports to GitHub. */
async function openFeedback(settings: Config['forge'], redactor: Redactor) {
  if (settings.kind !== 'github') throw new Error('a replayed run reports only to GitHub');
  const { openGitHubFeedback } = await import('../release/forge/open-forge.ts');
  return openGitHubFeedback(settings, process.env, (value) => redactor.add(value));
}
