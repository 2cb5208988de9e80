import { join } from 'node:path';
import { readCoverageMemo } from '../build/checks/index.ts';
import type { StoredResult } from '../build/checks/replay.ts';
import type { RunCaches } from '../build/cache/index.ts';
import { shardRecordFormat, shardRecordKey, type ShardRecord } from '../build/shard/record.ts';
import { shardCache, type ShardRun } from '../build/shard/shard-run.ts';
import type { Config } from '../config/schema.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { Home } from '../shared/home.ts';
import type { RunStore } from '../shared/state/run-store.ts';
import type { CoverageOutputs } from '../stages/coverage.ts';
import type { PackagesOutputs } from '../stages/packages.ts';
import type { UnitOutputs } from '../stages/unit.ts';

/**
 * A shard's record, from its run's stages and feedback, saved to the remote cache for the merge
 * (uploaded with the run's other entries before it ends). A shard killed first leaves none: the
 * merge reports it lost.
 */
export async function recordShard(opts: {
  store: RunStore;
  runId: number;
  run: ShardRun;
  home: Home;
  config: Config;
  repoDir: string;
  caches: RunCaches;
}): Promise<void> {
  const { store, runId, run } = opts;
  const stages = store.stages(runId);
  const outputsOf = <T>(id: string) => stages.find((stage) => stage.stage === id && stage.status === 'succeeded')?.outputs as T | undefined;
  const packages = outputsOf<PackagesOutputs>('packages');
  const unit = outputsOf<UnitOutputs>('unit');
  const coverage = outputsOf<CoverageOutputs>('coverage');
  const shardCoverage = coverage && 'shard' in coverage ? coverage.shard : { memoKeys: {}, unmeasured: [] };
  const memoDir = join(opts.home.cacheDir, 'coverage');
  const measured = await Promise.all(
    Object.entries(shardCoverage.memoKeys).map(
      async ([name, key]) => [name, { key, files: (await readCoverageMemo(memoDir, key)) ?? [] }] as const,
    ),
  );
  const results: StoredResult[] = unit?.results ?? [];
  const durations: Record<string, number> = { ...packages?.buildMs };
  for (const result of results) durations[result.package] = (durations[result.package] ?? 0) + result.durationMs;
  const feedback = store.feedback<Feedback>(runId);
  const record: ShardRecord = {
    format: shardRecordFormat,
    shard: run.spec,
    commit: run.commit,
    status: feedback.some((item) => item.kind === 'failure') ? 'failed' : 'succeeded',
    stages: stages.map(({ stage, status, summary }) => ({ stage, status, summary })),
    feedback,
    results,
    coverage: Object.fromEntries(measured),
    unmeasured: shardCoverage.unmeasured,
    durations,
    built: packages?.built ?? [],
  };
  await shardCache(opts.caches, opts.config, true).save(shardRecordKey(run.commit, run.spec), opts.repoDir, [], { record });
}
