import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { packageManagerFor, packageManagerVersion } from '../../build/deps/index.ts';
import { discoverWorkspace } from '../../build/workspace/index.ts';
import type { Config } from '../../config/schema.ts';
import { parseKubeconfig } from '../../deploy/kubernetes/access/kubeconfig.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { gitOrUndefined } from '../../shared/git.ts';
import { readManifestFile } from '../../shared/json-files.ts';
import type { RepositoryFacts } from './github-wiring.ts';

/** What the workflow depends on in the repository: its package manager, its GitHub remote, its committed kubeconfigs. */
export async function readRepositoryFacts(repoDir: string, config: Config | undefined): Promise<RepositoryFacts> {
  const workspace = await discoverWorkspace(repoDir);
  if (!workspace.lockfile)
    throw new Failure(`no lockfile at the root of ${repoDir}`, {
      details: ["the workflow sets up the package manager that owns the lockfile, and setup-node's cache and Slipway's install need it"],
      hint: 'install with your package manager and commit its lockfile (package-lock.json, yarn.lock or pnpm-lock.yaml), then run slipway init github again',
    });
  const pm = packageManagerFor(workspace.lockfile, await readFile(workspace.lockfile, 'utf8'));
  const manifest = await readManifestFile(join(repoDir, 'package.json'));
  const pinned = typeof manifest.packageManager === 'string' ? manifest.packageManager : undefined;
  const installedPnpm =
    pm.name === 'pnpm' && !pinned?.startsWith('pnpm@') ? await packageManagerVersion('pnpm', manifest, repoDir) : undefined;
  const origin = await gitOrUndefined(repoDir, ['remote', 'get-url', 'origin']);
  const originHead = await gitOrUndefined(repoDir, ['symbolic-ref', '--short', 'refs/remotes/origin/HEAD']);
  const dependencies = { ...(manifest.dependencies as object | undefined), ...(manifest.devDependencies as object | undefined) };
  const nodeVersionFile = (['.nvmrc', '.node-version'] as const).find((file) => existsSync(join(repoDir, file)));
  return {
    packageManager: {
      name: pm.name,
      berry: pm.berry,
      pinned,
      installedPnpm: installedPnpm === 'unknown' ? undefined : installedPnpm,
    },
    originRepository: origin ? githubRepositoryOf(origin.trim()) : undefined,
    originDefaultBranch: originHead?.trim().replace(/^origin\//, '') || undefined,
    nodeVersionFile,
    slipwayDependency: 'slipway' in dependencies,
    committedKubeconfigs: await committedKubeconfigs(repoDir, config),
  };
}

/** PURE: owner/name of a github.com remote URL (https, ssh or scp-like), else undefined. */
export function githubRepositoryOf(remoteUrl: string): string | undefined {
  const match = /^(?:https:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)github\.com[:/]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
    remoteUrl,
  );
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * The kubeconfig files environments name that git tracks (a runner's checkout has them), and
 * whether one authenticates through AWS: an EKS kubeconfig runs `aws eks get-token` (or the
 * older aws-iam-authenticator) and holds no credential, so it is safe to commit.
 */
async function committedKubeconfigs(repoDir: string, config: Config | undefined): Promise<RepositoryFacts['committedKubeconfigs']> {
  const found: RepositoryFacts['committedKubeconfigs'] = {};
  for (const [name, environment] of Object.entries(config?.environments ?? {})) {
    const cluster = environment.cluster;
    if (cluster?.provider !== 'kubeconfig' || !cluster.path || cluster.path.startsWith('~') || isAbsolute(cluster.path)) continue;
    const tracked = await gitOrUndefined(repoDir, ['ls-files', '--', cluster.path]);
    if (!tracked?.trim()) continue;
    const file = join(repoDir, cluster.path);
    const parsed = parseKubeconfig(await readFile(file, 'utf8'));
    if ('problem' in parsed)
      throw new Failure(`${file} (environments.${name}.cluster.path) is not a kubeconfig: ${parsed.problem}`, {
        hint: 'point cluster.path at a kubeconfig file (kubectl config view --raw shows a valid one)',
      });
    const callsAws = parsed.kubeconfig.users.some((user) => {
      const command = (user.user as { exec?: { command?: unknown } }).exec?.command;
      return typeof command === 'string' && ['aws', 'aws-iam-authenticator'].includes(basename(command));
    });
    found[cluster.path] = { callsAws };
  }
  return found;
}
