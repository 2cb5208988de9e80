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
  // Each manager's judge is loaded only for its repositories: pnpm's and Yarn's parse YAML.
  const judge = async (): Promise<InstalledState> => {
    if (pm.name === 'npm') return (await import('./installed-npm.ts')).npmInstalledState(root, lockfileContent, opts.manifests);
    if (pm.name === 'pnpm')
      return (await import('./installed-pnpm.ts')).pnpmInstalledState(root, lockfileContent, opts.pmVersion, opts.manifests);
    const yarn = await import('./installed-yarn.ts');
    return pm.berry
      ? yarn.yarnBerryInstalledState(root, lockfileContent, opts.manifests)
      : yarn.yarnClassicInstalledState(root, lockfileContent, opts.manifests);
  };
  const judged = judge();
  // node_modules changing while it is read (a folder gone, a link cut) is doubt too.
  return judged.catch((error: Error) => differs(`node_modules could not be read: ${error.message}`));
}
