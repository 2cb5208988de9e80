import type { Feedback } from '../../shared/feedback/feedback.ts';
import type { StageStatus } from '../../shared/state/run-store.ts';
import type { StoredCoverage } from '../checks/index.ts';
import type { StoredResult } from '../checks/replay.ts';
import type { ShardSpec } from './spec.ts';

/** Bumped when the record's shape changes: a merge never reads another version's records. */
export const shardRecordFormat = 1;

/** What a shard leaves for the merge: how it ended, its feedback, test results, coverage and timings. */
export interface ShardRecord {
  format: typeof shardRecordFormat;
  shard: ShardSpec;
  commit: string;
  status: 'succeeded' | 'failed';
  stages: Array<{ stage: string; status: StageStatus; summary?: string }>;
  feedback: Feedback[];
  results: StoredResult[];
  /** Each measured package's source-mapped coverage, by its coverage memo key. */
  coverage: Record<string, { key: string; files: StoredCoverage[] }>;
  /** Tested packages that wrote no coverage report. */
  unmeasured: string[];
  /** Milliseconds each package's build and tests took here (a build restored from cache is not timed). */
  durations: Record<string, number>;
  /** Packages this shard built (not restored). */
  built: string[];
}

/** The cache key of a run's shard record: the commit, the shard count and the shard. */
export const shardRecordKey = (commit: string, spec: ShardSpec): string => `shard-${commit}-${spec.count}-${spec.index}`;

/** The cache key of the package durations the merge of a run at `commit` recorded, for later runs' plans. */
export const durationsKey = (commit: string): string => `shard-durations-${commit}`;

/** PURE: whether a value read back is shard `spec`'s complete record of the commit. */
export function isShardRecord(value: unknown, spec: ShardSpec, commit: string): value is ShardRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<ShardRecord>;
  return (
    record.format === shardRecordFormat &&
    record.commit === commit &&
    record.shard?.index === spec.index &&
    record.shard.count === spec.count &&
    (record.status === 'succeeded' || record.status === 'failed') &&
    Array.isArray(record.stages) &&
    Array.isArray(record.feedback) &&
    Array.isArray(record.results) &&
    Array.isArray(record.unmeasured) &&
    Array.isArray(record.built) &&
    typeof record.coverage === 'object' &&
    record.coverage !== null &&
    typeof record.durations === 'object' &&
    record.durations !== null
  );
}
