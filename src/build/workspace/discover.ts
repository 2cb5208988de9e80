import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Package, Tool } from '@manypkg/tools';
import { Failure } from '../../shared/feedback/failure.ts';
import { readMemo, writeMemo } from '../../shared/json-files.ts';
import { readManifestFile } from '../../shared/json-files.ts';
import { malformedManifests } from './manifest.ts';
import type { Workspace, WorkspacePackage } from './types.ts';

/** Lockfile names in the order they are looked for at the root. */
const lockfileNames = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];
const dependencyFields = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

/**
 * The workspace rooted exactly at `root` (never a parent directory's). manypkg's tools decide the
 * layout; an npm workspace whose lockfile is not committed yet is still read as npm, so the deps
 * stage can tell the developer the lockfile is missing instead of seeing one root package.
 */
export async function discoverWorkspace(root: string): Promise<Workspace> {
  const rootDir = resolve(root);
  const known = discovered.get(rootDir) ?? (await readRemembered(rootDir));
  if (known && (await layoutStamp(known.workspace)) === known.stamp) {
    discovered.set(rootDir, known);
    return known.workspace;
  }
  const workspace = await readWorkspace(rootDir);
  const remembered = { format: memoFormat, workspace, stamp: await layoutStamp(workspace) };
  discovered.set(rootDir, remembered);
  await remember(rootDir, remembered);
  return workspace;
}

interface Remembered {
  format: number;
  workspace: Workspace;
  stamp: string;
}

/** Workspaces read by this process, reused by the stages of a run while their layout is unchanged. */
const discovered = new Map<string, Remembered>();

/** As a new process starts: only what is remembered on disk is known (for tests). */
export function forgetDiscoveredWorkspaces(): void {
  discovered.clear();
}

/** Bumped when the Workspace shape changes, so an older memo is read again. */
const memoFormat = 1;

/**
 * Between runs the workspace is remembered beside the installed dependencies, as build tools
 * keep their caches, so a run where only sources changed does not glob and parse every manifest.
 */
const memoPath = (rootDir: string) => join(rootDir, 'node_modules', '.cache', 'slipway', 'workspace.json');

async function readRemembered(rootDir: string): Promise<Remembered | undefined> {
  // A corrupt memo is read again from the manifests, and rewritten: nothing to tell anyone.
  const stored = await readMemo<Remembered>(memoPath(rootDir));
  return stored?.format === memoFormat && stored.workspace?.root === rootDir ? stored : undefined;
}

async function remember(rootDir: string, remembered: Remembered): Promise<void> {
  // Only where dependencies are installed: a workspace without node_modules gets no new directory.
  if (
    !(await access(join(rootDir, 'node_modules')).then(
      () => true,
      () => false,
    ))
  )
    return;
  try {
    await mkdir(dirname(memoPath(rootDir)), { recursive: true });
    await writeMemo(memoPath(rootDir), JSON.stringify(remembered));
  } catch {
    // A read-only checkout: the workspace is read again next time, nothing else is lost.
  }
}

/**
 * What a workspace's layout was read from: every package.json and the workspace files, and the
 * directories holding the packages (a package added or removed changes its parent's modification time).
 */
async function layoutStamp(ws: Workspace): Promise<string> {
  const dirs = [...new Set([ws.root, ...ws.packages.map((pkg) => dirname(pkg.dir))])];
  const files = [
    ...['package.json', 'pnpm-workspace.yaml', 'lerna.json'].map((name) => join(ws.root, name)),
    ...ws.packages.map((pkg) => join(pkg.dir, 'package.json')),
  ];
  const stamps = await Promise.all(
    [...dirs, ...files].map((path) =>
      stat(path).then(
        (info) => `${info.size}:${info.mtimeMs}`,
        () => 'missing',
      ),
    ),
  );
  return stamps.join('|');
}

async function readWorkspace(rootDir: string): Promise<Workspace> {
  const rootManifest = await readManifest(rootDir);
  // Loaded here, not with the module: a remembered workspace needs none of manypkg's globbing.
  const tools = await import('@manypkg/tools');
  const tool = await detectTool(tools, rootDir, rootManifest);
  // The tool is asked directly (not getPackages, which walks up to parent directories).
  const found = await tool.getPackages(rootDir).catch(async (error: Error) => {
    // The tools' own message does not say which manifest they could not parse: find it.
    const [malformed, ...more] = await malformedManifests(rootDir);
    if (malformed)
      throw more.length
        ? malformed.with({ specific: `${malformed.specific} (and ${more.length} more malformed package.json)` })
        : malformed;
    throw new Failure(`Could not read the workspace at ${rootDir}: ${error.message}`, {
      hint: 'Check the "workspaces" globs in package.json (or pnpm-workspace.yaml / lerna.json) and that each package has a package.json with a name.',
    });
  });
  assertNamed(found.packages);
  assertUniqueNames(found.packages);
  const names = new Set(found.packages.map((pkg) => pkg.packageJson.name));
  return {
    root: rootDir,
    tool: tool.type as Workspace['tool'],
    packages: found.packages.map((pkg) => toWorkspacePackage(pkg, names)).sort((a, b) => a.name.localeCompare(b.name)),
    lockfile: await findLockfile(rootDir),
  };
}

async function readManifest(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'package.json');
  try {
    return await readManifestFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Failure(`Not a JavaScript workspace: no package.json at ${dir}`, {
      hint: 'Run slipway from the repository root, where the root package.json is.',
    });
  }
}

async function detectTool(tools: typeof import('@manypkg/tools'), rootDir: string, manifest: Record<string, unknown>): Promise<Tool> {
  for (const tool of [tools.YarnTool, tools.PnpmTool, tools.NpmTool, tools.LernaTool]) if (await tool.isMonorepoRoot(rootDir)) return tool;
  return Array.isArray(manifest.workspaces) ? tools.NpmTool : tools.RootTool;
}

async function findLockfile(rootDir: string): Promise<string | undefined> {
  for (const name of lockfileNames) {
    const path = join(rootDir, name);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}

function assertNamed(packages: Package[]): void {
  const unnamed = packages.filter((pkg) => typeof pkg.packageJson.name !== 'string' || pkg.packageJson.name === '');
  if (unnamed.length === 0) return;
  throw new Failure(`${unnamed.length} workspace package(s) have no "name" in package.json`, {
    details: unnamed.map((pkg) => `${pkg.relativeDir}/package.json`),
    hint: 'Add a "name" to each package.json the workspace globs match.',
  });
}

function assertUniqueNames(packages: Package[]): void {
  const dirsByName = new Map<string, string[]>();
  for (const pkg of packages) dirsByName.set(pkg.packageJson.name, [...(dirsByName.get(pkg.packageJson.name) ?? []), pkg.relativeDir]);
  const duplicates = [...dirsByName].filter(([, dirs]) => dirs.length > 1);
  if (duplicates.length === 0) return;
  throw new Failure(`Two workspace packages share the name ${duplicates[0][0]}`, {
    details: duplicates.map(([name, dirs]) => `${name}: ${dirs.join(', ')}`),
    hint: 'Give each package.json a unique "name".',
  });
}

function toWorkspacePackage(pkg: Package, workspaceNames: Set<string>): WorkspacePackage {
  const manifest = pkg.packageJson as unknown as Record<string, unknown>;
  const declared = new Set<string>();
  for (const field of dependencyFields)
    for (const dep of Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})) declared.add(dep);
  return {
    name: pkg.packageJson.name,
    version: pkg.packageJson.version ?? '0.0.0',
    dir: pkg.dir,
    relDir: pkg.relativeDir.split('\\').join('/'),
    scripts: (manifest.scripts as Record<string, string> | undefined) ?? {},
    manifest,
    workspaceDeps: [...declared].filter((dep) => workspaceNames.has(dep) && dep !== pkg.packageJson.name).sort(),
  };
}
