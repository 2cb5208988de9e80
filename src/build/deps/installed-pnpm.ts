import { isDeepStrictEqual } from 'node:util';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { declaredOf, dependencyKinds, differs, matches, readYaml, type InstalledState, type Manifests } from './installed-state.ts';

interface ModulesState {
  layoutVersion?: unknown;
  packageManager?: unknown;
  included?: Record<string, unknown>;
  nodeLinker?: unknown;
  pendingBuilds?: unknown[];
  skipped?: unknown[];
  virtualStoreDir?: unknown;
}

type DependencyKind = (typeof dependencyKinds)[number];
/** Each workspace package's locked dependencies, by its directory ('.' for the root). */
type Importers = Record<string, Partial<Record<DependencyKind, Record<string, unknown>>>>;

interface PnpmLockfile {
  importers?: Importers;
}

/**
 * Whether node_modules holds what pnpm-lock.yaml describes, by pnpm's own records: the
 * `.modules.yaml` of the last install (same layout, every dependency kind included, no build
 * pending, the same node linker and pnpm major) and the lockfile pnpm wrote into the virtual store
 * when that install ended, which must equal pnpm-lock.yaml. Each workspace package's node_modules
 * must hold its direct dependencies (pnpm links them there).
 */
export async function pnpmInstalledState(
  root: string,
  lockfileContent: string,
  pnpmVersion: string,
  manifests: Manifests,
): Promise<InstalledState> {
  const modules = await readYaml<ModulesState>(join(root, 'node_modules/.modules.yaml'));
  if (!modules) return differs('no node_modules/.modules.yaml (pnpm writes it at the end of every install)');
  const problem = modulesStateProblem(modules, pnpmVersion, await configuredNodeLinker(root));
  if (problem) return differs(`node_modules/.modules.yaml: ${problem}`);
  const virtualStore = typeof modules.virtualStoreDir === 'string' ? modules.virtualStoreDir : '.pnpm';
  const currentPath = join(root, 'node_modules', virtualStore, 'lock.yaml');
  const current = await readFile(currentPath, 'utf8').catch(() => undefined);
  if (current === undefined)
    return differs(`no ${join('node_modules', virtualStore, 'lock.yaml')} (pnpm 8 and later write it after an install)`);
  // pnpm writes both with one serializer, so equal files are the common case; parsing a large lockfile takes seconds.
  if (current !== lockfileContent && !sameYaml(current, lockfileContent)) return differs('the last install was of another pnpm-lock.yaml');
  const importers = importersOf(lockfileContent);
  if (!importers) return differs('pnpm-lock.yaml is not YAML');
  const undeclared = pnpmUndeclared(importers, manifests);
  if (undeclared) return differs(undeclared);
  const skipped = new Set((modules.skipped ?? []).filter((id) => typeof id === 'string'));
  const missing = await missingDirectDependency(root, importers, skipped);
  return missing ? differs(missing) : matches('pnpm, matches pnpm-lock.yaml');
}

function sameYaml(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(parse(a), parse(b));
  } catch {
    return false;
  }
}

/**
 * PURE: the importers of a pnpm lockfile (a single-package lockfile of format 6 keeps the root's
 * dependencies at the top), read from their top-level blocks only: the packages and snapshots
 * blocks, nearly all of a lockfile, are not parsed.
 */
export function importersOf(content: string): Importers | undefined {
  const wanted = new Set(['importers', 'dependencies', 'devDependencies', 'optionalDependencies']);
  const blocks: string[] = [];
  let keep = false;
  for (const line of content.split('\n')) {
    if (/^\S/.test(line)) keep = wanted.has(line.slice(0, line.indexOf(':')));
    if (keep) blocks.push(line);
  }
  let top: (PnpmLockfile & Partial<Record<DependencyKind, Record<string, unknown>>>) | null;
  try {
    top = parse(blocks.join('\n')) as typeof top;
  } catch {
    return undefined;
  }
  if (top?.importers) return top.importers;
  return {
    '.': { dependencies: top?.dependencies, devDependencies: top?.devDependencies, optionalDependencies: top?.optionalDependencies },
  };
}

/** PURE: why `.modules.yaml` does not describe the install `pnpm install --frozen-lockfile` would make here, if it does not. */
export function modulesStateProblem(modules: ModulesState, pnpmVersion: string, nodeLinker: string): string | undefined {
  const major = (version: string) => /^(\d+)\./.exec(version)?.[1];
  const installedBy = typeof modules.packageManager === 'string' ? /^pnpm@(.+)$/.exec(modules.packageManager)?.[1] : undefined;
  if (!installedBy || major(installedBy) === undefined || major(installedBy) !== major(pnpmVersion))
    return `installed by ${String(modules.packageManager)}, not pnpm ${pnpmVersion}`;
  const included = modules.included ?? {};
  const left = ['dependencies', 'devDependencies', 'optionalDependencies'].filter((kind) => included[kind] !== true);
  if (left.length > 0) return `installed without ${left.join(', ')}`;
  if ((modules.pendingBuilds ?? []).length > 0) return 'builds are pending';
  if ((modules.nodeLinker ?? 'isolated') !== nodeLinker) return `node linker ${String(modules.nodeLinker)}, configured ${nodeLinker}`;
  return undefined;
}

/**
 * PURE: a package.json whose declared dependencies differ from the specifiers pnpm-lock.yaml
 * recorded for it (`pnpm install --frozen-lockfile` refuses such a lockfile). With pnpm's
 * `autoInstallPeers` (its default), peers the package declares but does not depend on are
 * recorded among its dependencies.
 */
export function pnpmUndeclared(importers: Importers, manifests: Manifests): string | undefined {
  for (const { relDir, manifest } of manifests) {
    const importer = importers[relDir];
    if (!importer) return `pnpm-lock.yaml has no importer ${relDir}`;
    const peers = declaredOf(manifest, 'peerDependencies');
    for (const kind of dependencyKinds) {
      const declared = declaredOf(manifest, kind);
      const locked = Object.entries(importer[kind] ?? {}).map(([name, entry]): [string, unknown] => [
        name,
        (entry as { specifier?: unknown } | null)?.specifier,
      ]);
      const autoInstalledPeer = ([name, specifier]: [string, unknown]) =>
        kind === 'dependencies' && !(name in declared) && peers[name] === specifier;
      if (!isDeepStrictEqual(declared, Object.fromEntries(locked.filter((entry) => !autoInstalledPeer(entry)))))
        return `the ${kind} of ${join(relDir, 'package.json')} differ from pnpm-lock.yaml`;
    }
  }
  return undefined;
}

/** `node-linker` from the root .npmrc (pnpm's default is isolated). */
async function configuredNodeLinker(root: string): Promise<string> {
  const npmrc = await readFile(join(root, '.npmrc'), 'utf8').catch(() => '');
  return /^\s*node-linker\s*=\s*(\S+)/m.exec(npmrc)?.[1] ?? 'isolated';
}

async function missingDirectDependency(root: string, importers: Importers, skipped: Set<unknown>): Promise<string | undefined> {
  for (const [importer, sections] of Object.entries(importers)) {
    for (const kind of dependencyKinds) {
      for (const [name, spec] of Object.entries(sections[kind] ?? {})) {
        const location = join(importer, 'node_modules', name);
        if (await lstat(join(root, location)).catch(() => undefined)) continue;
        const version = typeof spec === 'object' && spec !== null ? (spec as { version?: unknown }).version : spec;
        if (kind === 'optionalDependencies' && skipped.has(`${name}@${String(version)}`)) continue;
        return `${location} is missing`;
      }
    }
  }
  return undefined;
}
