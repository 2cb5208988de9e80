import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Stand-ins for test runners' executables in a directory's node_modules/.bin: each appends one
 * line to `log` naming itself, its arguments in brackets and the report variables the shims
 * set, then exits with $RECORDED_EXIT (default 0). Runner shims are checked against them; the
 * real runners are run in the e2e tests.
 */
export async function recordingRunners(dir: string, log: string, names: string[]): Promise<void> {
  const bin = join(dir, 'node_modules', '.bin');
  await mkdir(bin, { recursive: true });
  const script = [
    '#!/bin/sh',
    `{ printf '%s' "\${0##*/}"; for arg; do printf ' [%s]' "$arg"; done`,
    `  for name in NODE_V8_COVERAGE SLIPWAY_MOCHA_REPORT PLAYWRIGHT_JUNIT_OUTPUT_FILE; do eval "value=\\\${$name}"; [ -z "$value" ] || printf ' %s=%s' "$name" "$value"; done`,
    `  printf '\\n'; } >> ${JSON.stringify(log)}`,
    'exit "${RECORDED_EXIT:-0}"',
    '',
  ].join('\n');
  for (const name of names) {
    await writeFile(join(bin, name), script);
    await chmod(join(bin, name), 0o755);
  }
}
