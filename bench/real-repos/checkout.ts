/**
 * A real repository made ready for one tool: cloned at its commit, given only what the tool needs
 * as an untracked file (Slipway: `slipway.config.json` with `project`; Turborepo: its own
 * turbo.json, or a minimal one where the repository has none), and edited and restored between
 * cases. Nothing is committed to the clone.
 */
import { access, appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { packageManagerFor, type PackageManager } from '../../src/build/deps/package-manager.ts';
import { exec, tailLines } from '../../src/shared/exec.ts';
import type { BrokenAssertion } from './repos.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await exec(command, args, { cwd, env });
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code} in ${cwd}:\n${tailLines(result.output, 15).join('\n')}`);
  return result.stdout;
}

/** A clone of `source` (a git directory, bare or not) with `commit` checked out, on no branch. */
export async function cloneAt(source: string, commit: string, dir: string): Promise<void> {
  await run('git', ['clone', '--quiet', '--no-checkout', source, dir], process.cwd());
  await run('git', ['checkout', '--quiet', '--detach', commit], dir);
}

/**
 * The environment the tools run in: pnpm and yarn through corepack shims in `binDir` when they
 * are not installed (the version each repository pins is then the one used), with no prompt
 * before corepack downloads one from the npm registry (its default for pnpm and Yarn 1).
 */
export async function toolEnv(binDir: string): Promise<NodeJS.ProcessEnv> {
  const onPath = async (name: string) => {
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) if (await exists(join(dir, name))) return true;
    return false;
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    // This machine's corepack predates the npm registry's current signing keys and refuses every
    // pnpm it downloads ("No compatible signature found"); the registry is the one npm uses.
    COREPACK_INTEGRITY_KEYS: process.env.COREPACK_INTEGRITY_KEYS ?? '0',
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
  };
  if ((await onPath('pnpm')) && (await onPath('yarn'))) return env;
  await mkdir(binDir, { recursive: true });
  await run('corepack', ['enable', '--install-directory', binDir], process.cwd());
  return { ...env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
}

/** An environment whose `node` is the given major version, installed from npm into `dir`. */
export async function withNode(env: NodeJS.ProcessEnv, major: string, dir: string): Promise<NodeJS.ProcessEnv> {
  const pkg = `node-${process.platform}-${process.arch}`;
  await mkdir(dir, { recursive: true });
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, `${pkg}@${major}`], dir, env);
  return { ...env, PATH: `${join(dir, 'node_modules', pkg, 'bin')}${delimiter}${env.PATH ?? ''}` };
}

const lockfiles = ['pnpm-lock.yaml', 'yarn.lock', 'package-lock.json', 'npm-shrinkwrap.json'];

/** The repository's package manager, read from its lockfile as Slipway reads it. */
export async function packageManagerOf(dir: string): Promise<PackageManager> {
  const present = (await readdir(dir)).find((name) => lockfiles.includes(name));
  if (!present) throw new Error(`${dir} has no lockfile (${lockfiles.join(', ')})`);
  return packageManagerFor(present, await readFile(join(dir, present), 'utf8'));
}

/** The repository's frozen-lockfile install, timed: what a Turborepo pipeline runs before `turbo run`. */
export async function install(dir: string, env: NodeJS.ProcessEnv): Promise<{ command: string; seconds: number }> {
  const [command, ...args] = (await packageManagerOf(dir)).install;
  const started = performance.now();
  await run(command, args, dir, env);
  return { command: [command, ...args].join(' '), seconds: (performance.now() - started) / 1000 };
}

/** The only configuration Slipway gets. */
export async function writeSlipwayConfig(dir: string, project: string): Promise<void> {
  await writeFile(join(dir, 'slipway.config.json'), `${JSON.stringify({ project })}\n`);
}

/**
 * Turborepo's configuration: the repository's own turbo.json when it has one; else its usual
 * setup, builds after their dependencies' builds and tests after their package's build. (Slipway
 * runs every build before any test.)
 */
export async function ensureTurboJson(dir: string): Promise<'theirs' | 'minimal'> {
  if (await exists(join(dir, 'turbo.json'))) return 'theirs';
  const minimal = {
    $schema: 'https://turborepo.com/schema.json',
    tasks: {
      build: { dependsOn: ['^build'], outputs: ['dist/**', 'build/**'] },
      test: { dependsOn: ['build'], outputs: ['coverage/**'] },
    },
  };
  await writeFile(join(dir, 'turbo.json'), `${JSON.stringify(minimal, null, 2)}\n`);
  return 'minimal';
}

/**
 * Turborepo sees workspaces only when package.json names its package manager: without the field
 * it stops, and with --dangerously-disable-package-manager-check it runs the root's scripts as
 * one package. So a repository without one gets the field written, the one edit Turborepo needs;
 * returns what was edited.
 */
export async function pinPackageManager(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const path = join(dir, 'package.json');
  const text = await readFile(path, 'utf8');
  const manifest = JSON.parse(text) as { packageManager?: unknown };
  if (typeof manifest.packageManager === 'string') return [];
  const pm = (await packageManagerOf(dir)).name;
  const version = (await run(pm, ['--version'], dir, env)).trim();
  manifest.packageManager = `${pm}@${version}`;
  const indent = /^\s+/m.exec(text)?.[0] ?? '  ';
  await writeFile(path, `${JSON.stringify(manifest, null, indent)}\n`);
  return [`package.json: "packageManager": "${pm}@${version}" added`];
}

/**
 * Turborepo hashes every file git does not ignore, its own logs (`<package>/.turbo/`) included:
 * in a repository that does not ignore `.turbo`, every run writes new logs and no run ever hits
 * its cache. The clone's `.git/info/exclude` (no tracked file) then ignores it, as a user would
 * with a .gitignore line; returns what was edited.
 */
export async function ignoreTurboLogs(dir: string): Promise<string[]> {
  const ignored = await exec('git', ['check-ignore', '--quiet', '--no-index', 'packages/any/.turbo/turbo-build.log'], { cwd: dir });
  if (ignored.code === 0) return [];
  await appendFile(join(dir, '.git', 'info', 'exclude'), '.turbo\n');
  return [".turbo ignored (the clone's .git/info/exclude; in the repository: a .gitignore line)"];
}

/** A comment appended to a source or test file: a change to its content, not to its behaviour. */
export async function touch(dir: string, file: string, tag: string): Promise<void> {
  await appendFile(join(dir, file), `\n// bench:real edit ${tag}\n`);
}

/**
 * The broken assertion put in; returns the lines the feedback may point at: the test's own
 * (the last line naming it before the assertion, where node:test and mocha place a test) and the
 * assertion's (where vitest and jest do).
 */
export async function breakAssertion(dir: string, broken: BrokenAssertion): Promise<{ test: number; assertion: number }> {
  const path = join(dir, broken.file);
  const text = await readFile(path, 'utf8');
  const at = text.indexOf(broken.find);
  if (at < 0) throw new Error(`${broken.file} no longer contains the assertion to break: ${JSON.stringify(broken.find)}`);
  await writeFile(path, text.slice(0, at) + broken.replace + text.slice(at + broken.find.length));
  const before = text.slice(0, at).split('\n');
  const fromEnd = [...before].reverse().findIndex((line) => line.includes(broken.test));
  return { test: fromEnd < 0 ? before.length : before.length - fromEnd, assertion: before.length };
}

/** Tracked files back as committed. */
export async function restore(dir: string, files: string[]): Promise<void> {
  await run('git', ['checkout', '--quiet', '--', ...files], dir);
}

/** What the runs left in `git status`, beyond the files the bench wrote itself. */
export async function workTreeChanges(dir: string, ownFiles: string[]): Promise<string[]> {
  const status = await run('git', ['status', '--porcelain', '--untracked-files=normal'], dir);
  return status
    .split('\n')
    .filter(Boolean)
    .filter((line) => !ownFiles.includes(line.slice(3)));
}
