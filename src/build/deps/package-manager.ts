import { access, readFile, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { exec } from '../../shared/exec.ts';

export interface PackageManager {
  name: 'npm' | 'yarn' | 'pnpm';
  /** Yarn 2 or later (berry), which corepack provides; false for Yarn 1, npm and pnpm. */
  berry: boolean;
  /** The executable and arguments of a frozen-lockfile install. */
  install: [string, ...string[]];
  /** What the developer runs to update the lockfile. */
  lockfileName: string;
}

/** PURE: the package manager that owns a lockfile, and its install that never rewrites the lockfile. */
export function packageManagerFor(lockfile: string, lockfileContent: string): PackageManager {
  const name = basename(lockfile);
  if (name === 'yarn.lock') {
    // Yarn berry lockfiles carry a __metadata block; v1 ones do not.
    const berry = lockfileContent.includes('__metadata:');
    return {
      name: 'yarn',
      berry,
      install: berry ? ['yarn', 'install', '--immutable'] : ['yarn', 'install', '--frozen-lockfile', '--non-interactive'],
      lockfileName: name,
    };
  }
  if (name === 'pnpm-lock.yaml')
    return { name: 'pnpm', berry: false, install: ['pnpm', 'install', '--frozen-lockfile'], lockfileName: name };
  return { name: 'npm', berry: false, install: ['npm', 'ci', '--no-audit', '--no-fund'], lockfileName: name };
}

/**
 * The version in use: the root package.json's "packageManager" pin (corepack) when it names
 * this manager, else what `<pm> --version` answers.
 */
export async function packageManagerVersion(
  pm: PackageManager['name'],
  rootManifest: Record<string, unknown>,
  cwd: string,
): Promise<string> {
  const pinned = typeof rootManifest.packageManager === 'string' ? /^([a-z]+)@([^+]+)/.exec(rootManifest.packageManager) : null;
  if (pinned && pinned[1] === pm) return pinned[2];
  const installed = await installedVersion(pm);
  if (installed) return installed;
  const result = await exec(pm, ['--version'], { cwd }).catch(() => undefined);
  return result?.code === 0 ? result.stdout.trim() : 'unknown';
}

/**
 * The version in the package.json of the `pm` found on PATH (npm, pnpm and yarn are npm
 * packages), read instead of spawning `pm --version`, which costs npm a third of a second.
 */
async function installedVersion(pm: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const executable = join(dir, pm);
    if (
      !(await access(executable).then(
        () => true,
        () => false,
      ))
    )
      continue;
    for (let at = dirname(await realpath(executable)); at !== dirname(at); at = dirname(at)) {
      const manifest = await readFile(join(at, 'package.json'), 'utf8').then(
        (text) => JSON.parse(text) as { name?: string; version?: string },
        () => undefined,
      );
      if (manifest) return manifest.name === pm && manifest.version ? manifest.version : undefined;
    }
    return undefined;
  }
  return undefined;
}
