import { existsSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commands a test script may start a runner with; each gets the shim (runner-shim.sh). */
export const shimmedCommands = ['vitest', 'jest', 'mocha', 'playwright', 'node', 'tsx'] as const;

const here = fileURLToPath(new URL('.', import.meta.url));

let created: Promise<string> | undefined;

/**
 * The directory of runner shims, made once per process: a fresh private temporary directory (never
 * one another user could have put there, never inside the repository), removed when the process
 * exits, and made again if something cleaned the temporary directory in a long-lived process. Put
 * first on a test script's PATH, it adds reporter flags to the runners the script starts.
 */
export async function runnerShimDir(): Promise<string> {
  const pending = created;
  if (pending && !existsSync(join(await pending, 'script-shell')) && created === pending) created = undefined;
  created ??= makeShimDir();
  return created;
}

async function makeShimDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-shims-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const command of shimmedCommands) await executable(join(here, 'runner-shim.sh'), join(dir, command));
  await copyFile(join(here, 'mocha-reporter.cjs'), join(dir, 'mocha-reporter.cjs'));
  // Written last: its presence says the directory is whole.
  await executable(join(here, 'script-shell.sh'), join(dir, 'script-shell'));
  return dir;
}

async function executable(source: string, target: string): Promise<void> {
  await copyFile(source, target);
  await chmod(target, 0o755);
}

/**
 * What a test script's environment gets for the shims: where each runner invocation writes its
 * results, where coverage goes when it is to be collected, and the shell that keeps the shims
 * first when the script runs another one through npm or pnpm.
 */
export function runnerEnv(opts: { shimDir: string; resultsDir: string; coverageDir?: string }): Record<string, string> {
  return {
    SLIPWAY_SHIM_DIR: opts.shimDir,
    SLIPWAY_REPORT_DIR: opts.resultsDir,
    npm_config_script_shell: join(opts.shimDir, 'script-shell'),
    ...(opts.coverageDir ? { SLIPWAY_COVERAGE_DIR: opts.coverageDir } : {}),
  };
}
