import { isDeepStrictEqual } from 'node:util';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  declaredOf,
  dependencyKinds,
  differs,
  matches,
  readYaml,
  thisPlatform,
  yarnNodeLinker,
  type InstalledState,
  type Manifests,
  type Platform,
} from './installed-state.ts';

interface YarnIntegrity {
  systemParams?: unknown;
  modulesFolders?: unknown;
  flags?: unknown;
  linkedModules?: unknown;
  topLevelPatterns?: unknown;
  lockfileEntries?: unknown;
}

/**
 * Yarn 1: whether node_modules holds what yarn.lock describes, by the `.yarn-integrity` file Yarn
 * checks before it says "Already up-to-date": the same system (platform, architecture, Node ABI),
 * no flags, no linked modules, the same top-level patterns and the same lockfile entries.
 */
export async function yarnClassicInstalledState(root: string, lockfileContent: string, manifests: Manifests): Promise<InstalledState> {
  const text = await readFile(join(root, 'node_modules/.yarn-integrity'), 'utf8').catch(() => undefined);
  if (text === undefined) return differs('no node_modules/.yarn-integrity (Yarn writes it at the end of every install)');
  let integrity: YarnIntegrity;
  try {
    integrity = JSON.parse(text) as YarnIntegrity;
  } catch {
    return differs('node_modules/.yarn-integrity is not JSON');
  }
  const entries = yarnClassicEntries(lockfileContent);
  const problem = yarnIntegrityProblem(integrity, {
    systemParams: `${process.platform}-${process.arch}-${process.versions.modules}`,
    lockfileEntries: entries && Object.fromEntries(Object.entries(entries).map(([pattern, entry]) => [pattern, entry.resolved])),
    topLevelPatterns: topLevelPatterns(manifests),
  });
  if (problem) return differs(`node_modules/.yarn-integrity: ${problem}`);
  // Yarn's record names no locations: each declared dependency must resolve from its package to the locked version.
  for (const { relDir, manifest } of manifests) {
    for (const [name, range] of declared(manifest)) {
      const version = entries?.[`${name}@${range}`]?.version;
      const found = await nearestManifest(root, relDir, name);
      if (!found) return differs(`${join(relDir, 'node_modules', name)} is missing`);
      if (version !== undefined && found.version !== version)
        return differs(`${found.location} is version ${String(found.version)}, yarn.lock says ${version} for ${relDir}`);
    }
  }
  return matches('yarn, matches yarn.lock');
}

/** PURE: why Yarn 1's integrity record does not match what an install here would write, if it does not. */
export function yarnIntegrityProblem(
  integrity: YarnIntegrity,
  expected: { systemParams: string; lockfileEntries: Record<string, string> | undefined; topLevelPatterns: Set<string> },
): string | undefined {
  if (integrity.systemParams !== expected.systemParams)
    return `installed for ${String(integrity.systemParams)}, this machine is ${expected.systemParams}`;
  if (!isDeepStrictEqual(integrity.flags, [])) return `installed with flags ${JSON.stringify(integrity.flags)}`;
  if (!isDeepStrictEqual(integrity.linkedModules, [])) return 'modules are linked (`yarn link`)';
  if (!expected.lockfileEntries) return 'yarn.lock could not be read';
  if (!isDeepStrictEqual(integrity.lockfileEntries, expected.lockfileEntries)) return 'the last install was of another yarn.lock';
  const patterns = Array.isArray(integrity.topLevelPatterns) ? new Set(integrity.topLevelPatterns) : undefined;
  if (!patterns || !isDeepStrictEqual(patterns, expected.topLevelPatterns))
    return 'the dependencies in package.json changed since the last install';
  return undefined;
}

/**
 * PURE: a Yarn 1 lockfile's entries by pattern: each pattern of each entry (`"a@^1.0.0", a@^1.1.0:`)
 * mapped to the entry's version and `resolved` URL; undefined when it is not such a lockfile.
 */
export function yarnClassicEntries(content: string): Record<string, { version?: string; resolved: string }> | undefined {
  if (!content.includes('# yarn lockfile v1')) return undefined;
  const entries: Record<string, { version?: string; resolved: string }> = {};
  let entry = { resolved: '' } as { version?: string; resolved: string };
  for (const line of content.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      if (!line.endsWith(':')) return undefined;
      entry = { resolved: '' };
      for (const pattern of line.slice(0, -1).split(/,\s*/)) entries[pattern.trim().replace(/^"(.*)"$/, '$1')] = entry;
      continue;
    }
    const field = /^ {2}(version|resolved) "?([^"]*)"?$/.exec(line);
    if (field) entry[field[1] as 'version' | 'resolved'] = field[2];
  }
  return entries;
}

/** PURE: the patterns Yarn 1 installs at the top: every declared dependency, and each workspace package itself. */
export function topLevelPatterns(manifests: Manifests): Set<string> {
  const patterns = new Set<string>();
  for (const [index, { manifest }] of manifests.entries()) {
    for (const [name, range] of declared(manifest)) patterns.add(`${name}@${range}`);
    if (index > 0 && typeof manifest.name === 'string') patterns.add(`${manifest.name}@${String(manifest.version)}`);
  }
  return patterns;
}

function declared(manifest: Record<string, unknown>): Array<[string, string]> {
  return dependencyKinds.flatMap((kind) => Object.entries(declaredOf(manifest, kind)));
}

/** The package.json node finds for `name` from a package directory: its own node_modules, else the root's. */
async function nearestManifest(root: string, relDir: string, name: string): Promise<{ location: string; version: unknown } | undefined> {
  for (const location of [join(relDir, 'node_modules', name), join('node_modules', name)]) {
    const text = await readFile(join(root, location, 'package.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      return { location, version: (JSON.parse(text) as { version?: unknown }).version };
    } catch {
      return { location, version: undefined };
    }
  }
  return undefined;
}

/**
 * Yarn 2 and later, with the node-modules linker: whether node_modules holds what yarn.lock
 * describes, by the `.yarn-state.yml` the linker writes: the same packages (those yarn.lock
 * limits to other platforms may be absent), each at the locations it lists.
 */
export async function yarnBerryInstalledState(root: string, lockfileContent: string, manifests: Manifests): Promise<InstalledState> {
  if ((await yarnNodeLinker(root)) !== 'node-modules')
    return differs('Yarn does not use node_modules here (nodeLinker is not node-modules)');
  const yarnrc = (await readYaml<{ nmMode?: unknown }>(join(root, '.yarnrc.yml'))) ?? {};
  const state = await readYaml<Record<string, { locations?: unknown } & Record<string, unknown>>>(
    join(root, 'node_modules/.yarn-state.yml'),
  );
  if (!state) return differs('no node_modules/.yarn-state.yml (Yarn writes it at the end of every install)');
  const metadata = state.__metadata as { nmMode?: unknown } | undefined;
  if ((metadata?.nmMode ?? 'classic') !== (yarnrc.nmMode ?? 'classic')) return differs(`installed with nmMode ${String(metadata?.nmMode)}`);
  let lockfile: Record<string, unknown>;
  try {
    lockfile = parse(lockfileContent) as Record<string, unknown>;
  } catch {
    return differs('yarn.lock is not YAML');
  }
  const installed = Object.keys(state).filter((locator) => locator !== '__metadata');
  const mismatch = berryUndeclared(lockfile, manifests) ?? berryMismatch(lockfile, installed, thisPlatform());
  if (mismatch) return differs(mismatch);
  for (const locator of installed) {
    const locations = state[locator].locations;
    for (const location of Array.isArray(locations) ? locations : []) {
      if (typeof location !== 'string' || !(await lstat(join(root, location)).catch(() => undefined)))
        return differs(`${String(location)} (${locator}) is missing`);
    }
  }
  return matches('yarn, matches yarn.lock');
}

/** PURE: the first difference between yarn.lock's resolutions and the locators the last install linked. */
export function berryMismatch(lockfile: Record<string, unknown>, installed: string[], platform: Platform): string | undefined {
  const have = new Set(installed);
  const wanted = new Set<string>();
  for (const [descriptor, entry] of Object.entries(lockfile)) {
    if (descriptor === '__metadata' || !entry || typeof entry !== 'object') continue;
    const { resolution, conditions } = entry as { resolution?: unknown; conditions?: unknown };
    if (typeof resolution !== 'string') return `yarn.lock entry ${descriptor} has no resolution`;
    wanted.add(resolution);
    if (!have.has(resolution) && !excludedByConditions(conditions, platform)) return `${resolution} is in yarn.lock but not installed`;
  }
  const extra = installed.find((locator) => !wanted.has(locator));
  return extra === undefined ? undefined : `${extra} is installed but not in yarn.lock`;
}

/** PURE: a dependency package.json declares that yarn.lock has no entry for (Yarn adds `npm:` to plain ranges). */
export function berryUndeclared(lockfile: Record<string, unknown>, manifests: Manifests): string | undefined {
  const descriptors = new Set(Object.keys(lockfile).flatMap((key) => key.split(/,\s*/)));
  for (const { relDir, manifest } of manifests) {
    for (const [name, range] of declared(manifest)) {
      if (!descriptors.has(`${name}@${range}`) && !descriptors.has(`${name}@npm:${range}`))
        return `${join(relDir, 'package.json')} declares ${name}@${range}, which yarn.lock does not have`;
    }
  }
  return undefined;
}

/** PURE: whether Yarn's `conditions: os=darwin & cpu=arm64` certainly exclude this platform. */
function excludedByConditions(conditions: unknown, platform: Platform): boolean {
  if (typeof conditions !== 'string') return false;
  return conditions.split('&').some((condition) => {
    const [field, value] = condition.trim().split('=');
    return (field === 'os' && value !== platform.os) || (field === 'cpu' && value !== platform.cpu);
  });
}
