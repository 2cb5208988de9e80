import { npmInstalledState } from './installed-npm.ts';
import { pnpmInstalledState } from './installed-pnpm.ts';
import { yarnBerryInstalledState, yarnClassicInstalledState } from './installed-yarn.ts';
import { differs, type InstalledState, type Manifests } from './installed-state.ts';
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
  const judged =
    pm.name === 'npm'
      ? npmInstalledState(root, lockfileContent, opts.manifests)
      : pm.name === 'pnpm'
        ? pnpmInstalledState(root, lockfileContent, opts.pmVersion, opts.manifests)
        : pm.berry
          ? yarnBerryInstalledState(root, lockfileContent, opts.manifests)
          : yarnClassicInstalledState(root, lockfileContent, opts.manifests);
  // node_modules changing while it is read (a folder gone, a link cut) is doubt too.
  return judged.catch((error: Error) => differs(`node_modules could not be read: ${error.message}`));
}
