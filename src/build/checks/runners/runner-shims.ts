import { existsSync, rmSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../../shared/hash.ts';

/** The commands a test script may start a runner with; each gets the shim (runner-shim.sh). */
export const shimmedCommands = ['vitest', 'jest', 'mocha', 'playwright', 'node', 'tsx'] as const;

const here = fileURLToPath(new URL('.', import.meta.url));

let created: Promise<string> | undefined;

/** The files a shim directory holds, from this folder; script-shell is written last: its presence says the directory is whole. */
const shimSources = ['runner-shim.sh', 'mocha-reporter.cjs', 'script-shell.sh'];

/**
 * The directory of runner shims. Put first on a test script's PATH, it adds reporter flags to the
 * runners the script starts. It is one directory per user and version of the shims in the
 * temporary directory, made once and kept: making and removing one cost every run time. It is
 * used only while this user owns it and no one else can write to it (never one another user could
 * have put there); otherwise this process makes a private one, removed when it exits. It is
 * looked for again if something cleaned the temporary directory in a long-lived process.
 */
export async function runnerShimDir(): Promise<string> {
  const pending = created;
  if (pending && !(await trusted(await pending)) && created === pending) created = undefined;
  created ??= sharedShimDir();
  return created;
}

async function sharedShimDir(): Promise<string> {
  const version = sha256((await Promise.all(shimSources.map((name) => readFile(join(here, name), 'utf8')))).join('\0')).slice(0, 16);
  const dir = join(tmpdir(), `slipway-shims-${process.getuid?.() ?? 'user'}-${version}`);
  if (await trusted(dir)) return dir;
  const staging = await filledShimDir(`${dir}-`);
  // Published whole by one rename; when another process published it first, theirs is the same.
  await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
  if (await trusted(dir)) return dir;
  const own = await filledShimDir(join(tmpdir(), 'slipway-shims-'));
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  return own;
}

/** A directory that is this user's alone (not a link), with every shim in it. */
async function trusted(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  const ownedHere = info?.isDirectory() && (process.getuid === undefined || info.uid === process.getuid()) && (info.mode & 0o022) === 0;
  return Boolean(ownedHere) && existsSync(join(dir, 'script-shell'));
}

/** A fresh private directory (mkdtemp: mode 0700) with the shims in it. */
async function filledShimDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(prefix);
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
