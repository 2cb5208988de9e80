/**
 * The three ways of building and testing the generated repo, each as one timed run with the
 * repo as working directory: no tool (raw), `slipway ci`, and `turbo run build test`.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../../src/shared/exec.ts';
import type { MonorepoPlan } from './plan.ts';
import { probePeakRss } from './peak-rss.ts';
import { runRaw } from './raw.ts';

export const toolNames = ['raw', 'slipway', 'turbo'] as const;
export type ToolName = (typeof toolNames)[number];

export interface ToolRun {
  code: number;
  output: string;
  seconds: number;
  /** The run's peak resident memory in bytes (see peak-rss.ts); not measured for raw. */
  peakRss?: number;
}

const slipwayCli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
export const turboBin = fileURLToPath(new URL('../../node_modules/.bin/turbo', import.meta.url));

/** Turbo without telemetry, update checks or the interactive UI; its concurrency and logs stay default. */
const turboEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

/** The command line each tool runs, as the report shows it. */
export function commandLine(tool: ToolName, dir: string): string[] {
  switch (tool) {
    case 'raw':
      return [`npm run build && npm run test in each package, dependency order, concurrency ${availableParallelism()}`];
    case 'slipway':
      return [process.execPath, slipwayCli, 'ci', '--repo', dir, '--home', join(dir, '.slipway')];
    case 'turbo':
      return [turboBin, 'run', 'build', 'test', '--cache-dir=.turbo/cache', '--ui=stream', '--no-update-notifier'];
  }
}

export async function runTool(tool: ToolName, dir: string, plan: MonorepoPlan): Promise<ToolRun> {
  if (tool === 'raw') {
    const started = performance.now();
    const result = await runRaw(dir, plan, availableParallelism());
    return { code: result.code, output: result.output, seconds: (performance.now() - started) / 1000 };
  }
  const [command, ...args] = commandLine(tool, dir);
  const probe = await probePeakRss(command, args);
  const started = performance.now();
  const result = await exec(probe.command, probe.args, { cwd: dir, env: tool === 'turbo' ? turboEnv : process.env });
  const seconds = (performance.now() - started) / 1000;
  return { code: result.code, output: result.output, seconds, peakRss: await probe.read() };
}
