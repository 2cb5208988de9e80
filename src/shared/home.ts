import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256 } from './hash.ts';

/**
 * Where Slipway keeps everything for one project checkout: run state, caches, the local registry's
 * storage, the local forge and the local environments. Defaults to `<dir>/.slipway`.
 */
export interface Home {
  root: string;
  stateDb: string;
  cacheDir: string;
  registryDir: string;
  forgeDir: string;
  environmentsDir: string;
  /** Records of the servers Slipway processes started (see ChildRecords). */
  childrenDir: string;
  runDir(runId: number): string;
}

export function homeAt(root: string): Home {
  const dir = resolve(root);
  return {
    root: dir,
    stateDb: join(dir, 'state.db'),
    cacheDir: join(dir, 'cache'),
    registryDir: join(dir, 'registry'),
    forgeDir: join(dir, 'forge'),
    environmentsDir: join(dir, 'environments'),
    childrenDir: join(dir, 'children'),
    runDir: (runId) => join(dir, 'runs', String(runId)),
  };
}

/** The home for a command: --home, then SLIPWAY_HOME, then `.slipway` in the working directory. */
export function resolveHome(flag: string | undefined, cwd = process.cwd()): Home {
  return homeAt(flag || process.env.SLIPWAY_HOME || join(cwd, defaultHomeName));
}

/** The name of the default home, in the repository: a listing that cannot ask git passes over it too. */
export const defaultHomeName = '.slipway';

/**
 * Creates the home with a `.gitignore` of `*` in it, so a home inside the work tree (the default)
 * is never part of the repository: git does not list it, so no hash, fingerprint or `git status`
 * sees Slipway's own state, caches and installs. An existing `.gitignore` is left as it is.
 */
export async function createHome(home: Home): Promise<void> {
  await mkdir(home.root, { recursive: true });
  await writeFile(join(home.root, '.gitignore'), "# Slipway's own state: never part of the repository.\n*\n", { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
}

/** How a home tells repositories apart: their releases, tags and promotions are each their own. */
export function repositoryKey(project: string, repoDir: string): string {
  return `${project}-${sha256(repoDir).slice(0, 8)}`;
}
