import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getPackages } from '@manypkg/get-packages';
import { read as readChangesetsConfig, defaultConfig } from '@changesets/config';
import type assembleReleasePlan from '@changesets/assemble-release-plan';
import type applyReleasePlan from '@changesets/apply-release-plan';
import { Failure } from '../../shared/feedback/failure.ts';

/**
 * The workspace in the shape changesets' packages expect. They depend on @manypkg/get-packages
 * v1 ({ tool, packages, root }); we load it with v3 ({ tool, packages, rootPackage, rootDir }).
 */
export type ChangesetsPackages = Parameters<typeof assembleReleasePlan>[1];
export type Config = NonNullable<Parameters<typeof applyReleasePlan>[2]>;

export interface Workspace {
  packages: ChangesetsPackages;
  config: Config;
  /** Package names in the workspace, sorted, for feedback. */
  names: string[];
}

export async function loadWorkspace(repoDir: string): Promise<Workspace> {
  let loaded;
  try {
    loaded = await getPackages(repoDir);
  } catch (error) {
    throw new Failure(`cannot read the workspace packages in ${repoDir}: ${(error as Error).message}`, {
      hint: 'Check the "workspaces" field of the root package.json and that every package has a package.json with a name.',
    });
  }
  // manypkg searches upwards and recognises a workspace by its lockfile: make sure it found ours.
  if (resolve(loaded.rootDir) !== resolve(repoDir)) {
    throw new Failure(`${repoDir} is not a workspace root: its workspace was found at ${loaded.rootDir}`, {
      hint: 'Run from the repository root; a workspace needs its lockfile (package-lock.json, yarn.lock or pnpm-lock.yaml) beside the root package.json.',
    });
  }
  const root = loaded.rootPackage ?? { dir: loaded.rootDir, packageJson: { name: 'root', version: '0.0.0' } };
  const packages: ChangesetsPackages = {
    // v1 named npm workspaces "yarn"; changesets does not branch on the tool.
    tool: loaded.tool.type === 'pnpm' || loaded.tool.type === 'lerna' ? loaded.tool.type : loaded.tool.type === 'root' ? 'root' : 'yarn',
    packages: loaded.packages.map((pkg) => ({ dir: pkg.dir, packageJson: pkg.packageJson })),
    root: { dir: root.dir, packageJson: root.packageJson },
  };
  return { packages, config: await readConfig(repoDir, packages), names: packages.packages.map((pkg) => pkg.packageJson.name).sort() };
}

/** `.changeset/config.json` (fixed and linked groups, ignore, ...), or changesets' defaults. */
async function readConfig(repoDir: string, packages: ChangesetsPackages): Promise<Config> {
  if (!existsSync(join(repoDir, '.changeset', 'config.json'))) return defaultConfig;
  try {
    return await readChangesetsConfig(repoDir, packages);
  } catch (error) {
    throw new Failure('invalid .changeset/config.json', {
      details: (error as Error).message.split('\n').filter((line) => line.trim() !== ''),
      hint: 'Fix .changeset/config.json; fixed and linked groups may only name packages of the workspace.',
    });
  }
}
