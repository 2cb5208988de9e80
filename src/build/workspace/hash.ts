import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../shared/hash.ts';
import { blobId, listFiles, type FileListing, type WorkTreeListing } from './files.ts';
import { topologicalLevels } from './graph.ts';
import { npmLockfileSlicer, parseNpmLockfile } from './lockfile.ts';
import { outputMatcher } from './outputs.ts';
import type { HashInputs, PackageHash, PrerequisiteInputs, TestInputs, Workspace, WorkspacePackage } from './types.ts';

export interface HashOptions {
  /** The task name (e.g. "build"): the same inputs hash differently per task. */
  task: string;
  /** The command the task runs in this package. */
  command: (pkg: WorkspacePackage) => string;
  /** Environment variables whose values are inputs. */
  envKeys: string[];
  /** The environment to read envKeys from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What hashes are made of, read once per run: every package's files, the global inputs, the lockfile. */
export interface HashSources {
  /** Each package's files but its declared outputs (or only its inputs), relative to it, with blob ids. */
  files: Map<string, Record<string, string>>;
  /** Workspace-level files every package reads (tasks.globalInputs) -> blob id. */
  global: Record<string, string>;
  /** The hash of a package's slice of the lockfile. */
  lockfile: (pkg: WorkspacePackage) => string;
}

/** Bumped when the way hashes are computed changes, so old cache entries stop matching. */
const hashFormat = 'slipway-package-hash-4';

/**
 * Reads what every package's hash is made of. `outputs` (relative to each package, dirs or globs)
 * are never inputs; `globalInputs` are globs from the workspace root, e.g. tsconfig.base.json.
 */
export async function readHashSources(
  ws: Workspace,
  opts: { outputs: string[]; globalInputs?: string[]; workTree?: WorkTreeListing },
): Promise<HashSources> {
  const [listing, lockfile] = await Promise.all([opts.workTree?.of(ws.root) ?? listFiles(ws.root), lockfileHasher(ws)]);
  const [files, global] = await Promise.all([
    packageFiles(ws, listing, outputMatcher(opts.outputs)),
    globalFiles(ws, listing, opts.globalInputs ?? []),
  ]);
  return { files, global, lockfile };
}

/**
 * PURE: the content hash of every package for a task: its input files, its workspace dependencies'
 * hashes, its lockfile slice, the command and the declared env values. The inputs are returned
 * too, so a later miss can be explained.
 */
export function hashPackages(
  ws: Workspace,
  sources: HashSources,
  opts: HashOptions,
  /** Hashes known to be unchanged, taken as they are. */
  known: ReadonlyMap<string, PackageHash> = new Map(),
): Map<string, PackageHash> {
  const env = opts.env ?? process.env;
  const envInputs = Object.fromEntries([...opts.envKeys].sort().map((key) => [key, env[key] === undefined ? 'unset' : sha256(env[key]!)]));
  const byName = new Map(ws.packages.map((pkg) => [pkg.name, pkg]));
  const hashes = new Map<string, PackageHash>();
  for (const level of topologicalLevels(ws)) {
    for (const name of level) {
      const pkg = byName.get(name)!;
      if (known.has(name)) {
        hashes.set(name, known.get(name)!);
        continue;
      }
      const inputs: HashInputs = {
        files: sources.files.get(name)!,
        deps: Object.fromEntries(pkg.workspaceDeps.map((dep) => [dep, hashes.get(dep)!.hash])),
        lockfile: sources.lockfile(pkg),
        command: opts.command(pkg),
        env: envInputs,
        global: sources.global,
      };
      hashes.set(name, { name, hash: hashOfInputs(name, opts.task, inputs), inputs });
    }
  }
  return hashes;
}

/** The files of a record that are inputs, in the record's order. */
export function onlyInputs(files: Record<string, string>, isInput: (relPath: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([path]) => isInput(path)));
}

/** PURE: the hash of a package's inputs, independent of the order keys were collected in. */
export function hashOfInputs(name: string, task: string, inputs: HashInputs): string {
  return sha256(
    JSON.stringify([
      hashFormat,
      name,
      task,
      sortedEntries(inputs.files),
      sortedEntries(inputs.deps),
      inputs.lockfile,
      inputs.command,
      sortedEntries(inputs.env),
      sortedEntries(inputs.global),
    ]),
  );
}

/**
 * PURE: the key of a package's test results: its build hash (which covers its sources, its
 * dependencies' builds, the lockfile, env and global inputs), its test input files and the test
 * command. An edited test changes this key only, not the build hash of it or of any dependent.
 */
export function hashOfTestInputs(name: string, inputs: TestInputs): string {
  return sha256(JSON.stringify([hashFormat, name, 'test', inputs.build, sortedEntries(inputs.files), inputs.command]));
}

/**
 * PURE: the key of a turbo.json prerequisite's outputs (`solid-js#types`): its package's build
 * hash (so an edit of that package runs it again, an edit of a package that needs it does not),
 * its script, its `outputs` globs and the keys of the prerequisites it runs after.
 */
export function hashOfPrerequisite(name: string, inputs: PrerequisiteInputs): string {
  return sha256(
    JSON.stringify([hashFormat, name, 'prerequisite', inputs.build, inputs.command, inputs.outputs, sortedEntries(inputs.after)]),
  );
}

/** The cache entry of a turbo.json prerequisite's outputs. */
export const prerequisiteKey = (hash: string) => `prerequisite-${hash}`;

const sortedEntries = (record: Record<string, string>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The workspace-level files no package owns (a root jest.config.js, vitest.workspace.ts, babel
 * config, the root package.json and lockfile) but `outputs`, with blob ids: what a test script run
 * from the root reads besides the packages.
 */
export async function readRootFiles(ws: Workspace, outputs: string[], workTree?: WorkTreeListing): Promise<Record<string, string>> {
  const listing = await (workTree?.of(ws.root) ?? listFiles(ws.root));
  const packageByDir = new Map(ws.packages.map((pkg) => [pkg.relDir, pkg.name]));
  const isOutput = outputMatcher(outputs);
  return blobsOf(ws, listing, (path) => !owningPackage(path, packageByDir) && !isOutput(path));
}

/** Each package's input files (relative to it), with blob ids; modified and untracked files are read here. */
async function packageFiles(
  ws: Workspace,
  listing: FileListing,
  isOutput: (relPath: string) => boolean,
): Promise<Map<string, Record<string, string>>> {
  const packageByDir = new Map(ws.packages.map((pkg) => [pkg.relDir, pkg.name]));
  const result = new Map<string, Record<string, string>>(ws.packages.map((pkg) => [pkg.name, {}]));
  const toRead: Array<{ record: Record<string, string>; relPath: string; path: string }> = [];
  for (const [path, id] of listing.files) {
    const owner = owningPackage(path, packageByDir);
    if (!owner) continue;
    const relPath = owner.relDir === '.' ? path : path.slice(owner.relDir.length + 1);
    if (isOutput(relPath)) continue;
    const record = result.get(owner.name)!;
    if (id === undefined) toRead.push({ record, relPath, path });
    else record[relPath] = id;
  }
  await forEachLimited(toRead, 16, async ({ record, relPath, path }) => {
    const id = await blobId(join(ws.root, path), listing.algorithm);
    if (id !== undefined) record[relPath] = id;
  });
  return result;
}

/** The blob ids of the workspace-level files matching the global input patterns. */
async function globalFiles(ws: Workspace, listing: FileListing, patterns: string[]): Promise<Record<string, string>> {
  if (patterns.length === 0) return {};
  return blobsOf(ws, listing, outputMatcher(patterns));
}

/** The blob ids of the listed files (workspace-relative) that `include` takes; modified and untracked ones are read. */
async function blobsOf(ws: Workspace, listing: FileListing, include: (path: string) => boolean): Promise<Record<string, string>> {
  const blobs: Record<string, string> = {};
  await forEachLimited(
    [...listing.files].filter(([path]) => include(path)),
    16,
    async ([path, id]) => {
      const blob = id ?? (await blobId(join(ws.root, path), listing.algorithm));
      if (blob !== undefined) blobs[path] = blob;
    },
  );
  return blobs;
}

/** The package whose directory is the deepest one containing `path`. */
export function owningPackage(path: string, packageByDir: Map<string, string>): { name: string; relDir: string } | undefined {
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
    const relDir = path.slice(0, slash);
    const name = packageByDir.get(relDir);
    if (name !== undefined) return { name, relDir };
  }
  const rootPackage = packageByDir.get('.');
  return rootPackage === undefined ? undefined : { name: rootPackage, relDir: '.' };
}

/** npm lockfiles v2+ are sliced per package; any other lockfile counts whole. */
async function lockfileHasher(ws: Workspace): Promise<(pkg: WorkspacePackage) => string> {
  if (!ws.lockfile) return () => 'none';
  const content = await readFile(ws.lockfile, 'utf8');
  const npmPackages = parseNpmLockfile(content);
  if (!npmPackages) {
    const whole = sha256(content);
    return () => whole;
  }
  const slice = npmLockfileSlicer(npmPackages);
  return (pkg) => slice(pkg.relDir);
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
