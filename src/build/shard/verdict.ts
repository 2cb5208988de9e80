import type { Feedback } from '../../shared/feedback/feedback.ts';
import type { StageStatus } from '../../shared/state/run-store.ts';
import type { ShardRecord } from './record.ts';
import { shardName, type ShardSpec } from './spec.ts';

/** The one verdict of a sharded run, as its merge reports it. */
export interface ShardVerdict {
  /** Failures first (failing shards' in shard order, then lost shards), then warnings. */
  feedback: Feedback[];
  /** Each stage any shard ran, in order: failed when one shard's failed, else as every shard's went. */
  stages: Array<{ stage: string; status: StageStatus; summary: string }>;
  /** Shards with no complete record. */
  lost: number[];
}

/**
 * PURE: the verdict from each shard's record, `records[i - 1]` being shard i's (undefined when it
 * left none, or an incomplete one). A failing shard's feedback is its own, naming the shard; a
 * lost shard is Slipway's trouble (exit code 2), never a test failure.
 */
export function shardVerdict(records: Array<ShardRecord | undefined>, runId: number, at: string): ShardVerdict {
  const count = records.length;
  const named = (index: number, item: Feedback): Feedback => ({
    ...item,
    runId,
    specific: `${item.specific} (in shard ${index}/${count})`,
  });
  const present = records.flatMap((record, at) => (record ? [{ index: at + 1, record }] : []));
  const lost = records.flatMap((record, at) => (record ? [] : [at + 1]));
  const failures = present.flatMap(({ index, record }) =>
    record.feedback.filter((item) => item.kind === 'failure').map((item) => named(index, item)),
  );
  const warnings = present.flatMap(({ index, record }) =>
    record.feedback.filter((item) => item.kind === 'warning').map((item) => named(index, item)),
  );
  return {
    feedback: [...failures, ...lost.map((index) => lostShard({ index, count }, runId, at)), ...warnings],
    stages: mergedStages(present, count),
    lost,
  };
}

function lostShard(spec: ShardSpec, runId: number, at: string): Feedback {
  return {
    runId,
    stage: 'shards',
    kind: 'failure',
    message: 'Slipway could not run',
    specific: `shard ${shardName(spec)} was lost: it recorded no result (the runner died or was cancelled)`,
    details: [`no complete record of shard ${shardName(spec)} in the remote cache for this commit`],
    logExcerpt: [],
    hint: `see shard ${shardName(spec)}'s job log, then re-run it (\`slipway ci --shard ${shardName(spec)}\`) and the merge`,
    artifacts: [],
    at,
    exitCode: 2,
  };
}

function mergedStages(present: Array<{ index: number; record: ShardRecord }>, count: number): ShardVerdict['stages'] {
  const order: string[] = [];
  for (const { record } of present) for (const { stage } of record.stages) if (!order.includes(stage)) order.push(stage);
  return order.map((stage) => {
    const runs = present.flatMap(({ index, record }) =>
      record.stages.filter((each) => each.stage === stage).map((each) => ({ index, ...each })),
    );
    const status: StageStatus = runs.some((run) => run.status === 'failed')
      ? 'failed'
      : runs.every((run) => run.status === 'skipped')
        ? 'skipped'
        : runs.every((run) => run.status === 'succeeded' || run.status === 'skipped')
          ? 'succeeded'
          : 'pending';
    const summary = runs.map((run) => `shard ${run.index}/${count}: ${run.summary ?? run.status}`).join('; ');
    return { stage, status, summary };
  });
}
