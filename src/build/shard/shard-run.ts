import type { RunCaches, TieredCache } from '../cache/index.ts';
import type { Config } from '../../config/schema.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { git } from '../../shared/git.ts';
import { waitFor } from '../../shared/net.ts';
import { owningPackage, type PackageTasks, type Workspace } from '../workspace/index.ts';
import { planShards, shardWork, type ShardPackage, type ShardWork } from './plan.ts';
import { durationsKey, shardRecordKey } from './record.ts';
import { shardName, type ShardSpec } from './spec.ts';

/** A run that is one shard of its commit's checks (`slipway ci --shard <i>/<n>`). */
export interface ShardRun {
  spec: ShardSpec;
  commit: string;
  /** How long to wait for a build another shard owns (ci.shardWaitMinutes). */
  waitMs: number;
}

/** How far back a plan looks for an earlier run's durations, along the first parents. */
const historyDepth = 20;
/** How often a shard asks the remote for an awaited build. */
const pollMs = 500;

/**
 * The cache shards and their merge share: their records and the durations plans are balanced by.
 * A shard and a merge must reach a remote; a shard must also write to it.
 */
export function shardCache(caches: RunCaches, config: Config, writes: boolean): TieredCache {
  const flag = writes ? '--shard' : '--merge';
  if (!config.cache.remote)
    throw new Failure(`${flag} needs a remote cache the shards share, and the configuration has no cache.remote`, {
      hint: 'set cache.remote (an S3 bucket) and SLIPWAY_CACHE_KEY on every shard and on the merge',
    });
  const cache = caches.open('shards');
  if (!cache.remote)
    throw new Failure(`${flag} needs the remote cache, which this run does not use`, {
      details: ['the remote cache is used only with its signing key: SLIPWAY_CACHE_KEY or cache.remote.keyFile'],
      hint: 'give every shard and the merge the signing key',
    });
  if (writes && !cache.remote.uploads)
    throw new Failure(
      `--shard needs to write to the remote cache, and this run only reads it (${caches.remoteReadOnlyBecause ?? 'no key that signs'})`,
      {
        hint: 'on a branch cache.remote.write does not name, a sharded run writes only its own namespace: give every shard and the merge the same SLIPWAY_SHARD_RUN (on GitHub Actions, GITHUB_RUN_ID is used) and a signing key',
      },
    );
  return cache;
}

/**
 * What shard `run.spec` does: the plan every shard computes alike, from the packages, their sizes
 * at HEAD and the durations the latest merge along HEAD's first parents recorded.
 */
export async function planShardRun(opts: {
  run: ShardRun;
  repoDir: string;
  workspace: Workspace;
  tasks: Map<string, PackageTasks>;
  shards: TieredCache;
}): Promise<ShardWork & { owner: Record<string, number> }> {
  const { workspace, tasks } = opts;
  const [sizes, durations] = await Promise.all([packageSizes(opts.repoDir, workspace), recordedDurations(opts.repoDir, opts.shards)]);
  const packages: ShardPackage[] = workspace.packages.map((pkg) => ({
    name: pkg.name,
    dependencies: pkg.workspaceDeps,
    build: Boolean(tasks.get(pkg.name)?.build),
    test: Boolean(tasks.get(pkg.name)?.test),
    size: sizes[pkg.name] ?? 0,
  }));
  const assignment = planShards(packages, durations, opts.run.spec.count);
  return { ...shardWork(packages, assignment, opts.run.spec.index), owner: assignment.owner };
}

/**
 * Waits until the build of `name` (owned by shard `owner`) is in the remote cache. The owner's
 * record arriving first means its build failed there; the wait running out is a Failure too.
 */
export async function awaitOwnedBuild(opts: {
  run: ShardRun;
  name: string;
  owner: number;
  /** The keys its build is saved under: any one there will do. */
  keys: string[];
  outputs: TieredCache;
  shards: TieredCache;
  log: (line: string) => void;
}): Promise<void> {
  const { run, name, keys, outputs, shards } = opts;
  const built = async () => (await Promise.all(keys.map((key) => outputs.has(key)))).some(Boolean);
  const owner = { index: opts.owner, count: run.spec.count };
  if (await built()) return;
  opts.log(`${name}: waiting for shard ${shardName(owner)} to build it`);
  let ownerFinished = false;
  const arrived = await waitFor(
    async () => (await built()) || (ownerFinished = await shards.has(shardRecordKey(run.commit, owner))),
    run.waitMs,
    pollMs,
  );
  // The owner may have recorded its result just after uploading the build.
  if (arrived && (!ownerFinished || (await built()))) return;
  if (ownerFinished)
    throw new Failure(`${name} was not built: shard ${shardName(owner)}, which builds it, finished without it`, {
      details: [`shard ${shardName(run.spec)} needs ${name}, and shard ${shardName(owner)} builds it in this run`],
      hint: `see shard ${shardName(owner)}'s feedback: its build of ${name} (or one it needs) failed`,
    });
  throw new Failure(
    `${name} never reached the remote cache: shard ${shardName(owner)} builds it, and ${run.waitMs / 60_000} minutes passed`,
    {
      details: [`shard ${shardName(run.spec)} needs ${name}; waited ${run.waitMs / 60_000} minutes (ci.shardWaitMinutes)`],
      hint: `see whether shard ${shardName(owner)} is still running or died; raise ci.shardWaitMinutes if its builds take longer`,
    },
  );
}

/** Each package's source size in bytes at HEAD, from one `git ls-tree`: the weight of a package no run timed. */
export async function packageSizes(repoDir: string, workspace: Workspace): Promise<Record<string, number>> {
  const listing = await git(repoDir, ['ls-tree', '-r', '-l', '--full-tree', 'HEAD']);
  const packageByDir = new Map(workspace.packages.filter((pkg) => pkg.relDir !== '.').map((pkg) => [pkg.relDir, pkg.name]));
  const sizes: Record<string, number> = {};
  for (const line of listing.split('\n')) {
    const match = /^\d+ blob \w+\s+(\d+)\t(.*)$/.exec(line);
    if (!match) continue;
    const owner = owningPackage(match[2], packageByDir)?.name;
    if (owner) sizes[owner] = (sizes[owner] ?? 0) + Number(match[1]);
  }
  return sizes;
}

/** The durations the latest merge along HEAD's first parents recorded (HEAD's own excluded: its shards may be re-running). */
export async function recordedDurations(repoDir: string, shards: TieredCache): Promise<Record<string, number>> {
  const ancestors = (await git(repoDir, ['rev-list', '--first-parent', '--skip=1', `--max-count=${historyDepth}`, 'HEAD'])).split('\n');
  for (const commit of ancestors.filter(Boolean)) {
    const durations = (await shards.readMeta(durationsKey(commit)))?.durations;
    if (typeof durations === 'object' && durations !== null) return durations as Record<string, number>;
  }
  return {};
}
