import { sha256 } from '../../shared/hash.ts';

export interface DependencyKeyInputs {
  lockfileContent: string;
  nodeVersion: string;
  platform: string;
  arch: string;
  /** Name and version, e.g. "npm@11.19.1". */
  packageManager: string;
  /**
   * The dependency declarations of the root and workspace package.json files
   * (see `dependencyDeclarations`): a package.json edited without updating the lockfile then
   * misses, and the frozen install reports the drift instead of a stale install being restored.
   */
  dependencyDeclarations?: string;
}

const declarationFields = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'overrides',
  'resolutions',
  'pnpm',
  'workspaces',
];

/** PURE: the install-relevant fields of each manifest, in a stable order. */
export function dependencyDeclarations(manifests: Array<{ relDir: string; manifest: Record<string, unknown> }>): string {
  const picked = [...manifests]
    .sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0))
    .map(({ relDir, manifest }) => [relDir, declarationFields.map((field) => manifest[field] ?? null)]);
  return JSON.stringify(picked);
}

/**
 * PURE: the cache key of a dependency install. Everything that changes what lands in
 * node_modules is in it: the lockfile (a key without it restores stale installs), the Node
 * version and platform (native addons) and the package manager's version (its layout).
 */
export function dependencyCacheKey(opts: DependencyKeyInputs): string {
  const digest = sha256(
    JSON.stringify([
      'slipway-deps-1',
      sha256(opts.lockfileContent),
      opts.nodeVersion,
      opts.platform,
      opts.arch,
      opts.packageManager,
      opts.dependencyDeclarations ?? null,
    ]),
  );
  return `deps-${digest}`;
}
