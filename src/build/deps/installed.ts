import { npmInstalledState } from './installed-npm.ts';
import { pnpmInstalledState } from './installed-pnpm.ts';
import { yarnBerryInstalledState, yarnClassicInstalledState } from './installed-yarn.ts';
import type { InstalledState, Manifests } from './installed-state.ts';
import type { PackageManager } from './package-manager.ts';

/**
 * Whether the node_modules in the workspace already hold what its lockfile describes, by the
 * record its package manager keeps of its last install. Any doubt (a record missing, unreadable
 * or naming anything else) is a difference: the caller then restores or installs.
 */
export async function installedState(opts: {
  root: string;
  pm: PackageManager;
  pmVersion: string;
  lockfileContent: string;
  /** The root manifest first (relDir '.'), then each workspace package's. */
  manifests: Manifests;
}): Promise<InstalledState> {
  const { root, pm, lockfileContent } = opts;
  if (pm.name === 'npm') return npmInstalledState(root, lockfileContent, opts.manifests);
  if (pm.name === 'pnpm') return pnpmInstalledState(root, lockfileContent, opts.pmVersion, opts.manifests);
  return pm.berry
    ? yarnBerryInstalledState(root, lockfileContent, opts.manifests)
    : yarnClassicInstalledState(root, lockfileContent, opts.manifests);
}
