import { Failure } from '../../shared/feedback/failure.ts';

/** Which part of a sharded run this runner does: shard `index` of `count`, both counted from 1. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** PURE: `--shard <i>/<n>` read, 1 ≤ i ≤ n; anything else is a Failure naming the flag. */
export function parseShardSpec(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new Failure(`--shard ${JSON.stringify(text)} is not <i>/<n>`, { hint: 'e.g. --shard 2/3: the second of three shards' });
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1) throw new Failure(`--shard ${text}: the shard count must be at least 1`, { hint: 'e.g. --shard 1/3' });
  if (index < 1 || index > count)
    throw new Failure(`--shard ${text}: the shard must be between 1 and ${count}`, { hint: `shards are numbered 1 to ${count}` });
  return { index, count };
}

/** "2/3", as the flag and every message name a shard. */
export const shardName = (spec: ShardSpec): string => `${spec.index}/${spec.count}`;

/**
 * The name every shard of one sharded run and its merge share, from the environment: the
 * workflow run on GitHub Actions (`GITHUB_RUN_ID`; re-run jobs keep it), or SLIPWAY_SHARD_RUN
 * elsewhere. Undefined when neither is set.
 */
export function shardRunName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SLIPWAY_SHARD_RUN || env.GITHUB_RUN_ID || undefined;
}
