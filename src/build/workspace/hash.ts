import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../shared/hash.ts';
import { blobId, listFiles, type FileListing } from './files.ts';
import { topologicalLevels } from './graph.ts';
import { npmLockfileSlicer, parseNpmLockfile } from './lockfile.ts';
import { outputMatcher } from './outputs.ts';
import type { HashInputs, PackageHash, Workspace, WorkspacePackage } from './types.ts';

export interface HashOptions {
  /** The task name (e.g. "build"): the same inputs hash differently per task. */
  task: string;
  /** The command the task runs in this package. */
  command: (pkg: WorkspacePackage) => string;
  /** Environment variables whose values are inputs. */
  envKeys: string[];
  /** Declared outputs, relative to each package (dirs or globs): never inputs. */
  outputs: string[];
  /** The environment to read envKeys from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Files relative to the workspace root (globs) that every package's task reads, e.g. tsconfig.base.json. */
  globalInputs?: string[];
}

/** Bumped when the way hashes are computed changes, so old cache entries stop matching. */
const hashFormat = 'slipway-package-hash-2';

/**
 * The content hash of every package for a task: its files, its workspace dependencies' hashes,
 * its lockfile slice, the command and the declared env values. The inputs are returned too, so
 * a later miss can be explained.
 */
export async function hashPackages(ws: Workspace, opts: HashOptions): Promise<Map<string, PackageHash>> {
  const levels = topologicalLevels(ws);
  const [listing, lockfileHashOf] = await Promise.all([listFiles(ws.root), lockfileHasher(ws)]);
  const filesByPackage = await packageFiles(ws, listing, outputMatcher(opts.outputs));
  const global = await globalFiles(ws, listing, opts.globalInputs ?? []);
  const env = opts.env ?? process.env;
  const envInputs = Object.fromEntries([...opts.envKeys].sort().map((key) => [key, env[key] === undefined ? 'unset' : sha256(env[key]!)]));
  const byName = new Map(ws.packages.map((pkg) => [pkg.name, pkg]));
  const hashes = new Map<string, PackageHash>();
  for (const level of levels) {
    for (const name of level) {
      const pkg = byName.get(name)!;
      const inputs: HashInputs = {
        files: filesByPackage.get(name)!,
        deps: Object.fromEntries(pkg.workspaceDeps.map((dep) => [dep, hashes.get(dep)!.hash])),
        lockfile: lockfileHashOf(pkg),
        command: opts.command(pkg),
        env: envInputs,
        global,
      };
      hashes.set(name, { name, hash: hashOfInputs(name, opts.task, inputs), inputs });
    }
  }
  return hashes;
}

/** PURE: the hash of a package's inputs, independent of the order keys were collected in. */
export function hashOfInputs(name: string, task: string, inputs: HashInputs): string {
  const sorted = (record: Record<string, string>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(
    JSON.stringify([
      hashFormat,
      name,
      task,
      sorted(inputs.files),
      sorted(inputs.deps),
      inputs.lockfile,
      inputs.command,
      sorted(inputs.env),
      sorted(inputs.global),
    ]),
  );
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
  const isGlobal = outputMatcher(patterns);
  const global: Record<string, string> = {};
  await forEachLimited(
    [...listing.files].filter(([path]) => isGlobal(path)),
    16,
    async ([path, id]) => {
      const blob = id ?? (await blobId(join(ws.root, path), listing.algorithm));
      if (blob !== undefined) global[path] = blob;
    },
  );
  return global;
}

/** The package whose directory is the deepest one containing `path`. */
function owningPackage(path: string, packageByDir: Map<string, string>): { name: string; relDir: string } | undefined {
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
