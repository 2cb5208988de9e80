import { join } from 'node:path';
import { stampTree, type PlacedOutputs } from '../build/cache/output-stamps.ts';
import { findConfigFile, readRawConfig } from '../config/read.ts';
import type { Config, NotifyConfig } from '../config/schema.ts';
import type { EventListener } from '../engine/events.ts';
import type { Home } from '../shared/home.ts';
import type { RunRecord } from '../shared/state/run-store.ts';
import { gitHead, type GitHead } from '../shared/git.ts';
import { sha256 } from '../shared/hash.ts';
import { readMemo, writeMemo } from '../shared/json-files.ts';
import { blobId, listFiles, type FileListing } from '../build/workspace/files.ts';

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

/** A check run's inputs as a fingerprint, and the work tree listing it was made from (the run hashes from it too). */
export interface ChecksInputs {
  fingerprint: string;
  listing: FileListing;
}

/**
 * Everything a check run's result depends on besides the outputs in place: every file git sees
 * (tracked and untracked, by content: sources, manifests, the lockfile), the configuration as
 * evaluated, the values of its declared environment variables, Slipway's own sources, Node and
 * the platform. node_modules itself is not read: the lockfile and manifests decide what it holds.
 */
export async function checksFingerprint(repoDir: string, home: Home): Promise<ChecksInputs> {
  const [raw, listing] = await Promise.all([readRawConfig(findConfigFile(repoDir), home.cacheDir), listFiles(repoDir)]);
  const files = await Promise.all(
    [...listing.files]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(async ([path, id]) => `${path}\0${id ?? (await blobId(join(repoDir, path), listing.algorithm))}`),
  );
  const declared = (raw as { tasks?: { env?: (string | { name: string })[] } } | undefined)?.tasks?.env ?? [];
  const envKeys = declared.map((entry) => (typeof entry === 'string' ? entry : entry.name)).sort();
  const env = envKeys.map((key) => `${key}=${process.env[key] === undefined ? 'unset' : sha256(process.env[key]!)}`);
  const fingerprint = sha256(
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
  return { fingerprint, listing };
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
  if ((await checksFingerprint(run.repoDir, home)).fingerprint !== fingerprintBefore) return;
  const memo: ChecksMemo = {
    format: memoFormat,
    fingerprint: fingerprintBefore,
    runId: run.id,
    placed,
    stamps: placedStamps(placed),
    notify: config.notify,
    forge: config.forge,
  };
  await writeMemo(memoPath(home), JSON.stringify(memo));
}

/** The run the last successful check run's memo answers from, if there is one: replays need it kept. */
export async function rememberedRunId(home: Home): Promise<number | undefined> {
  const memo = await readMemo<ChecksMemo>(memoPath(home), () => undefined);
  return memo?.format === memoFormat ? memo.runId : undefined;
}

/** A missed unchanged-run check: the inputs and HEAD it read, for the run that follows to start from. */
export interface UnchangedCheck {
  inputs?: ChecksInputs;
  head?: GitHead;
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
}): Promise<{ run?: RunRecord } & UnchangedCheck> {
  const { repoDir, home, listener } = opts;
  const memo = await readMemo<ChecksMemo>(memoPath(home), (message) => listener({ type: 'notice', runId: 0, level: 'warning', message }));
  if (memo?.format !== memoFormat) return {};
  const inputs = Promise.all([checksFingerprint(repoDir, home).catch(() => undefined), gitHead(repoDir)]);
  // What records a replay (SQLite, the reports) loads while git lists the files.
  const replaying = import('./replay-checks.ts');
  const [checksInputs, head] = await inputs;
  // On a miss the inputs and HEAD are handed on: the run that follows starts from the same inputs.
  const miss = { inputs: checksInputs, head };
  if (checksInputs?.fingerprint !== memo.fingerprint || !miss.head) return miss;
  // Every output still as the run left it: same size, inode and times, file by file.
  if (placedStamps(memo.placed) !== memo.stamps) return miss;
  const { recordReplay } = await replaying;
  const run = await recordReplay({ ...opts, head: miss.head, previousRunId: memo.runId, notify: memo.notify, forge: memo.forge });
  return run ? { run } : miss;
}
