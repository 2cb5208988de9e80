import { parseArgs } from 'node:util';

/** The command line of every `slipway` command: one list of options, read the same way everywhere. */
export function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fail: { type: 'string' },
      home: { type: 'string' },
      repo: { type: 'string' },
      port: { type: 'string' },
      'dashboard-host': { type: 'string' },
      'dashboard-port': { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      json: { type: 'boolean', default: false },
      webhook: { type: 'string' },
      env: { type: 'string' },
      out: { type: 'string' },
      release: { type: 'string' },
      to: { type: 'string' },
      reason: { type: 'string' },
      'release-half': { type: 'string' },
      force: { type: 'boolean', default: false },
      'fail-fast': { type: 'boolean' },
      'no-fail-fast': { type: 'boolean' },
      shard: { type: 'string' },
      merge: { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
