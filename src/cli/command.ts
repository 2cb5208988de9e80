/** What a command gets from the command line. */
export interface CommandInput {
  args: string[];
  fail?: string;
  home?: string;
  repo?: string;
  port?: string;
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
}

export type Command = (input: CommandInput) => Promise<number>;
