import { Failure } from '../shared/feedback/failure.ts';
import type { UnchangedCheck } from '../run/unchanged-run.ts';

/** What a command gets from the command line. */
export interface CommandInput {
  args: string[];
  fail?: string;
  home?: string;
  repo?: string;
  port?: string;
  /** `--dashboard-host <address>` and `--dashboard-port <n>` of `slipway serve`: where its JSON API listens. */
  'dashboard-host'?: string;
  'dashboard-port'?: string;
  webhook?: string;
  env?: string;
  out?: string;
  release?: string;
  /** `--to <release>` of `slipway rollback`. */
  to?: string;
  /** `--reason <text>` of `slipway rollback`. */
  reason?: string;
  /** `--release-half needs|dispatch` of `slipway init github`. */
  'release-half'?: string;
  force?: boolean;
  verbose?: boolean;
  json?: boolean;
  'fail-fast'?: boolean;
  'no-fail-fast'?: boolean;
  /** `--shard <i>/<n>` of `slipway ci`. */
  shard?: string;
  /** `--merge` of `slipway ci`: the fan-in of its shards. */
  merge?: boolean;
  /** `slipway ci`: the unchanged-run check the fast path already made (a miss), not made again. */
  unchangedCheck?: UnchangedCheck;
}

export type Command = (input: CommandInput) => Promise<number>;

/** `--fail-fast` or `--no-fail-fast`, when given: the command's own default (and the configuration's) otherwise. */
export function failFastOf(input: CommandInput): boolean | undefined {
  if (input['fail-fast'] && input['no-fail-fast'])
    throw new Failure('--fail-fast and --no-fail-fast were both given', { hint: 'give one: --no-fail-fast runs every build and test' });
  return input['fail-fast'] ? true : input['no-fail-fast'] ? false : undefined;
}
