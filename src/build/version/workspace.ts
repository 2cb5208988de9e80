import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { read as readChangesetsConfig, defaultConfig } from '@changesets/config';
import type assembleReleasePlan from '@changesets/assemble-release-plan';
import type applyReleasePlan from '@changesets/apply-release-plan';
import { Failure } from '../../shared/feedback/failure.ts';
import { discoverWorkspace } from '../workspace/index.ts';

/**
 * The workspace in the shape changesets' packages expect (@manypkg/get-packages v1's
 * { tool, packages, root }), made from the one workspace discovery every stage uses.
 */
export type ChangesetsPackages = Parameters<typeof assembleReleasePlan>[1];
export type ChangesetsConfig = NonNullable<Parameters<typeof applyReleasePlan>[2]>;

export interface ChangesetsWorkspace {
  packages: ChangesetsPackages;
  config: ChangesetsConfig;
  /** Package names in the workspace, sorted, for feedback. */
  names: string[];
}

export async function loadWorkspace(repoDir: string): Promise<ChangesetsWorkspace> {
  const workspace = await discoverWorkspace(repoDir);
  const rootManifest = await readFile(join(workspace.root, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as ChangesetsPackages['root']['packageJson'],
  );
  const packages: ChangesetsPackages = {
    // v1 named npm workspaces "yarn"; changesets does not branch on the tool.
    tool: workspace.tool === 'pnpm' || workspace.tool === 'lerna' || workspace.tool === 'root' ? workspace.tool : 'yarn',
    packages: workspace.packages.map((pkg) => ({ dir: pkg.dir, packageJson: pkg.manifest as ChangesetsPackages['root']['packageJson'] })),
    root: { dir: workspace.root, packageJson: rootManifest },
  };
  return { packages, config: await readConfig(repoDir, packages), names: workspace.packages.map((pkg) => pkg.name).sort() };
}

/** `.changeset/config.json` (fixed and linked groups, ignore, ...), or changesets' defaults. */
async function readConfig(repoDir: string, packages: ChangesetsPackages): Promise<ChangesetsConfig> {
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
