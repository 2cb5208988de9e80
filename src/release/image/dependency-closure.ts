import { lstat, readFile, realpath } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';

export interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** One package of the production closure and where it goes in the image. */
export interface ResolvedPackage {
  name: string;
  /** Real directory on the host (symlinks resolved). */
  sourceDir: string;
  /** Directory in the image, relative to the root: "app/node_modules/@embark/shared". */
  imageDir: string;
  /** A workspace package (reached through a symlink): only its package.json and dist/ ship. */
  workspace: boolean;
}

export async function readPackageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** The dependencies a package needs at run time, and whether each one may be absent. */
function runtimeDependencies(pkg: PackageJson): { name: string; optional: boolean }[] {
  const required = Object.keys(pkg.dependencies ?? {}).map((name) => ({ name, optional: false }));
  const optional = Object.keys(pkg.optionalDependencies ?? {}).map((name) => ({ name, optional: true }));
  // npm installs peers; a peer that is absent is the host application's choice, not an error.
  const peers = Object.keys(pkg.peerDependencies ?? {}).map((name) => ({ name, optional: true }));
  return [...required, ...optional, ...peers].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Walks `dependencies` transitively the way Node resolves them (the nearest node_modules up to
 * the workspace root) and decides where each package goes in the image. Host directories that
 * act as resolution roots (the workspace root, the service package, each workspace dependency)
 * map to image directories, so nested installs keep their nesting under /app.
 */
export async function resolveProductionDependencies(opts: {
  workspaceRoot: string;
  packageDir: string;
  serviceName: string;
  appDir: string;
}): Promise<ResolvedPackage[]> {
  const workspaceRoot = await realpath(opts.workspaceRoot);
  const serviceDir = await realpath(opts.packageDir);
  const roots = new Map<string, string>([
    [workspaceRoot, opts.appDir],
    [serviceDir, opts.appDir],
  ]);

  const toImageDir = (location: string): string => {
    const owner = [...roots.keys()].filter((root) => location.startsWith(root + sep)).sort((a, b) => b.length - a.length)[0];
    const segments = relative(owner, location).split(sep);
    return [roots.get(owner)!, ...segments.slice(segments.indexOf('node_modules'))].join('/');
  };

  const findInstalled = async (fromDir: string, name: string): Promise<string | undefined> => {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      if (!dir.endsWith(`${sep}node_modules`) && (await exists(join(dir, 'node_modules', name, 'package.json'))))
        return join(dir, 'node_modules', name);
      if (dir === workspaceRoot || dir === dirname(dir)) return undefined;
    }
  };

  const byImageDir = new Map<string, ResolvedPackage>();
  const queue: { name: string; dir: string; imageDir: string }[] = [{ name: opts.serviceName, dir: serviceDir, imageDir: opts.appDir }];
  while (queue.length > 0) {
    const requester = queue.shift()!;
    for (const dependency of runtimeDependencies(await readPackageJson(requester.dir))) {
      const location = await findInstalled(requester.dir, dependency.name);
      if (!location) {
        if (dependency.optional) continue;
        throw new Failure(`dependency ${dependency.name} of ${requester.name} is not installed`, {
          details: [
            `looked in node_modules from ${relative(workspaceRoot, requester.dir) || '.'} up to the workspace root ${workspaceRoot}`,
          ],
          hint: 'install the workspace dependencies (npm ci at the workspace root) before building images',
        });
      }
      const sourceDir = await realpath(location);
      // Where the host's layout puts it; when a different version already sits there (the
      // service's own node_modules shadows the root's), nest it under the package that needs it.
      let imageDir = toImageDir(location);
      const taken = byImageDir.get(imageDir);
      if (taken && taken.sourceDir !== sourceDir) imageDir = `${requester.imageDir}/node_modules/${dependency.name}`;
      const seen = byImageDir.get(imageDir);
      if (seen) {
        if (seen.sourceDir === sourceDir) continue;
        throw new Failure(`two versions of ${dependency.name} would share /${imageDir} in the image of ${opts.serviceName}`, {
          details: [seen.sourceDir, sourceDir],
          hint: 'dedupe the dependency (npm dedupe) so the service and the workspace root install the same version',
        });
      }
      const workspace = !sourceDir.split(sep).includes('node_modules');
      if (workspace) roots.set(sourceDir, imageDir);
      byImageDir.set(imageDir, { name: dependency.name, sourceDir, imageDir, workspace });
      queue.push({ name: dependency.name, dir: sourceDir, imageDir });
    }
  }
  return [...byImageDir.values()].sort((a, b) => (a.imageDir < b.imageDir ? -1 : 1));
}
