import type { Config } from '../../config/schema.ts';
import { discoverWorkspace } from './discover.ts';
import { hashPackages } from './hash.ts';
import type { PackageHash, Workspace } from './types.ts';

/** The workspace and every package's build hash, as the packages stage builds by and `slipway why` explains. */
export async function hashBuildInputs(
  repoDir: string,
  config: Config,
): Promise<{ workspace: Workspace; hashes: Map<string, PackageHash> }> {
  const { build, outputs, env } = config.tasks;
  const workspace = await discoverWorkspace(repoDir);
  const hashes = await hashPackages(workspace, {
    task: build,
    command: (pkg) => pkg.scripts[build] ?? '',
    envKeys: env.map((variable) => variable.name),
    outputs: [...outputs, 'coverage', 'reports'],
    globalInputs: config.tasks.globalInputs,
  });
  return { workspace, hashes };
}
