import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntryCache } from '../cache/index.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { exec, projectEnv, tailLines, type ExecOptions } from '../../shared/exec.ts';
import type { Workspace } from '../workspace/types.ts';
import { installedState } from './installed.ts';
import { npmRestored } from './installed-npm.ts';
import { yarnNodeLinker } from './installed-state.ts';
import { dependencyCacheKey, dependencyDeclarations } from './key.ts';
import { packageManagerFor, packageManagerVersion, type PackageManager } from './package-manager.ts';

/** What the dependency step did, and what it cost. */
export type DepsResult = {
  key: string;
  durationMs: number;
  /** The frozen-lockfile install, as a command line. */
  installCommand: string;
} & (
  | { how: 'already-installed'; evidence: string }
  | { how: 'restored'; entryBytes: number }
  | { how: 'installed'; installMs: number; cachedBytes: number }
  | { how: 'installed'; installMs: number; notCachedBecause: string }
);

/**
 * Makes the workspace's node_modules match its lockfile: nothing to do when the package
 * manager's record of its last install says they already do, restored from the cache on a hit,
 * installed with the frozen lockfile and saved on a miss.
 */
export async function restoreOrInstall(opts: {
  workspace: Workspace;
  cache: EntryCache;
  onLine?: (line: string) => void;
  /** Records the install process while it runs (see ExecOptions.track). */
  track?: ExecOptions['track'];
}): Promise<DepsResult> {
  const started = Date.now();
  const { workspace: ws, cache, onLine, track } = opts;
  if (!ws.lockfile) throw missingLockfile(ws);
  const lockfileContent = await readFile(ws.lockfile, 'utf8');
  const pm = packageManagerFor(ws.lockfile, lockfileContent);
  const rootManifest = JSON.parse(await readFile(join(ws.root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const version = await packageManagerVersion(pm.name, rootManifest, ws.root);
  const workspaceManifests = ws.packages.filter((pkg) => pkg.relDir !== '.');
  const key = dependencyCacheKey({
    lockfileContent,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    packageManager: `${pm.name}@${version}`,
    dependencyDeclarations: dependencyDeclarations([{ relDir: '', manifest: rootManifest }, ...ws.packages]),
  });
  const installCommand = pm.install.join(' ');
  const done = (how: DistributiveOmit<DepsResult, 'key' | 'durationMs' | 'installCommand'>): DepsResult => ({
    ...how,
    key,
    installCommand,
    durationMs: Date.now() - started,
  });

  const state = await installedState({
    root: ws.root,
    pm,
    pmVersion: version,
    lockfileContent,
    manifests: [{ relDir: '.', manifest: rootManifest }, ...workspaceManifests],
  });
  if (state.matches) return done({ how: 'already-installed', evidence: state.evidence });
  onLine?.(`node_modules does not match ${pm.lockfileName}: ${state.reason}`);

  const paths = nodeModulesPaths(ws);
  const uncacheable = pm.berry && (await yarnNodeLinker(ws.root)) !== 'node-modules';
  if (!uncacheable && (await cache.restore(key, ws.root, paths))) {
    if (pm.name === 'npm') await npmRestored(ws.root);
    return done({ how: 'restored', entryBytes: (await cache.entryBytes(key)) ?? 0 });
  }

  const installStarted = Date.now();
  await install(ws, pm, onLine, track);
  const installMs = Date.now() - installStarted;
  // Plug'n'Play's install is .pnp.cjs pointing into Yarn's own cache: there is no node_modules to save.
  if (uncacheable) return done({ how: 'installed', installMs, notCachedBecause: "Yarn Plug'n'Play installs no node_modules" });
  try {
    await cache.save(key, ws.root, paths, { installCommand, lockfile: pm.lockfileName, packageManager: `${pm.name}@${version}` });
  } catch (error) {
    // The install itself succeeded: a cache that cannot be written only costs the next run time.
    onLine?.(`warning: could not save the dependency install to the cache: ${(error as Error).message}`);
    return done({ how: 'installed', installMs, notCachedBecause: 'the cache could not be written' });
  }
  return done({ how: 'installed', installMs, cachedBytes: (await cache.entryBytes(key)) ?? 0 });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Every node_modules directory a workspace install can create: the root's and each package's. */
function nodeModulesPaths(ws: Workspace): string[] {
  const paths = ws.packages.map((pkg) => (pkg.relDir === '.' ? 'node_modules' : `${pkg.relDir}/node_modules`));
  return [...new Set(['node_modules', ...paths])].sort();
}

async function install(ws: Workspace, pm: PackageManager, onLine?: (line: string) => void, track?: ExecOptions['track']): Promise<void> {
  const [command, ...args] = pm.install;
  const run = await exec(command, args, { cwd: ws.root, env: projectEnv(), onLine: onLine && ((line) => onLine(line)), track }).catch(
    (error: NodeJS.ErrnoException) => {
      throw new Failure(`${command} is not installed: ${error.message}`, {
        hint: `Install ${command} (or enable it with \`corepack enable\`).`,
      });
    },
  );
  if (run.code === 0) return;
  const lines = withoutNpmUsage(
    run.output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => !/^npm (error|ERR!)$/.test(line)),
  );
  // The package manager's error lines, without npm's "code EUSAGE" and log-file boilerplate.
  const errors = lines.filter(
    (line) =>
      /(^|\s)(error|ERR!|ERR_PNPM_\w+)(\s|:|$)/i.test(line) && !/^npm (error|ERR!) (code \w+|A complete log of this run.*)$/.test(line),
  );
  const outOfSync = /in sync|frozen-lockfile|immutable|lockfile needs to be updated|ERR_PNPM_OUTDATED_LOCKFILE/i.test(run.output);
  throw new Failure(`${pm.install.join(' ')} exited with code ${run.code}${errors[0] ? `: ${stripPrefix(errors[0])}` : ''}`, {
    details: errors.slice(0, 10).map(stripPrefix),
    logExcerpt: tailLines(lines.join('\n'), 30),
    hint: outOfSync
      ? `${pm.lockfileName} does not match package.json: run \`${pm.name} install\` locally and commit ${pm.lockfileName}.`
      : `Run \`${pm.install.join(' ')}\` locally in ${ws.root} to reproduce.`,
  });
}

/** npm follows a usage error with the command's whole help text: it buries the cause, so it goes. */
function withoutNpmUsage(lines: string[]): string[] {
  const usage = lines.findIndex((line) => /^npm (error|ERR!) Usage:$/.test(line));
  if (usage < 1) return lines;
  const end = lines.findIndex((line, i) => i > usage && /^npm (error|ERR!) Run "npm help/.test(line));
  return [...lines.slice(0, usage - 1), ...(end === -1 ? [] : lines.slice(end + 1))];
}

function stripPrefix(line: string): string {
  return line.trim().replace(/^(npm error|npm ERR!|error)\s*/i, '');
}

function missingLockfile(ws: Workspace): Failure {
  const lockfileName = ws.tool === 'yarn' ? 'yarn.lock' : ws.tool === 'pnpm' ? 'pnpm-lock.yaml' : 'package-lock.json';
  return new Failure(`no lockfile: installs are not reproducible; commit ${lockfileName}`, {
    details: [`${ws.root} has no package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml`],
    hint: `Run \`${ws.tool === 'yarn' || ws.tool === 'pnpm' ? ws.tool : 'npm'} install\` at the repository root and commit ${lockfileName}.`,
  });
}
