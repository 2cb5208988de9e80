import { isDeepStrictEqual } from 'node:util';
import { lstat, readdir, readFile, readlink, stat, utimes } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseNpmLockfile, resolveFrom } from '../workspace/lockfile.ts';
import {
  declaredOf,
  dependencyKinds,
  differs,
  excludedOn,
  matches,
  thisPlatform,
  type InstalledState,
  type Manifests,
  type Platform,
} from './installed-state.ts';

type LockEntry = NonNullable<ReturnType<typeof parseNpmLockfile>>[string];

/** npm's hidden lockfile: what the last install put in node_modules, written when it ends. */
const hiddenLockfile = 'node_modules/.package-lock.json';
/** npm allows the same few milliseconds of clock jitter between a package folder and the file. */
const jitterMs = 10;

/**
 * Whether node_modules holds what package-lock.json describes, judged the way `npm install`
 * does before it decides there is nothing to do: the hidden lockfile is trusted only if no
 * package folder changed after it was written, and its packages must be the lockfile's, location
 * by location, with the same versions and integrity and their bins in place.
 */
export async function npmInstalledState(root: string, lockfileContent: string, manifests: Manifests): Promise<InstalledState> {
  const hiddenPath = join(root, hiddenLockfile);
  const text = await readFile(hiddenPath, 'utf8').catch(() => undefined);
  if (text === undefined) return differs(`no ${hiddenLockfile} (npm writes it at the end of every install)`);
  const wanted = parseNpmLockfile(lockfileContent);
  if (!wanted) return differs('package-lock.json is not lockfileVersion 2 or 3');
  const installed = parseNpmLockfile(text);
  if (!installed) return differs(`${hiddenLockfile} is not a lockfile npm can read`);
  const mismatch = npmUndeclared(wanted, manifests) ?? npmTreeMismatch(wanted, installed, thisPlatform());
  if (mismatch) return differs(mismatch);
  const lockTime = (await stat(hiddenPath)).mtimeMs + jitterMs;
  const changed = (await changedAfter(root, installed, lockTime)) ?? (await missingBin(root, installed));
  return changed ? differs(changed) : matches('npm, matches package-lock.json');
}

/**
 * After Slipway restored node_modules from its cache, the hidden lockfile describes it exactly;
 * its time says so to npm (the restored folders are newer than the file they were saved with).
 */
export async function npmRestored(root: string): Promise<void> {
  const now = new Date();
  await utimes(join(root, hiddenLockfile), now, now).catch(() => undefined);
}

/**
 * PURE: a package.json whose declared dependencies differ from what package-lock.json recorded
 * for it (`npm ci` refuses such a lockfile; node_modules cannot match package.json then).
 */
export function npmUndeclared(wanted: Record<string, LockEntry>, manifests: Manifests): string | undefined {
  for (const { relDir, manifest } of manifests) {
    const entry = wanted[relDir === '.' ? '' : relDir];
    if (!entry) return `package-lock.json has no entry for ${relDir}`;
    for (const kind of [...dependencyKinds, 'peerDependencies']) {
      if (!isDeepStrictEqual(declaredOf(manifest, kind), declaredOf(entry, kind)))
        return `the ${kind} of ${join(relDir, 'package.json')} differ from package-lock.json`;
    }
  }
  return undefined;
}

/** PURE: the first difference between the lockfile's packages and the installed ones, as npm's diff finds them. */
export function npmTreeMismatch(
  wanted: Record<string, LockEntry>,
  installed: Record<string, LockEntry>,
  platform: Platform,
): string | undefined {
  const skipped = skippedOptional(wanted, installed, platform);
  for (const [location, want] of Object.entries(wanted)) {
    if (location === '') continue; // the root, which the hidden lockfile leaves out
    const have = installed[location];
    if (!have) {
      if (skipped.has(location)) continue;
      return `${location} is in package-lock.json but not installed`;
    }
    const difference = entryDifference(want, have);
    if (difference) return `${location}: ${difference}`;
  }
  const extra = Object.keys(installed).find((location) => location !== '' && !(location in wanted));
  return extra === undefined ? undefined : `${extra} is installed but not in package-lock.json`;
}

/**
 * The optional packages npm leaves out here: those for other platforms, and those only such
 * packages need (every package that resolves to them is itself left out). Anything else the
 * lockfile has and node_modules lacks would be installed.
 */
function skippedOptional(wanted: Record<string, LockEntry>, installed: Record<string, LockEntry>, platform: Platform): Set<string> {
  const absent = Object.keys(wanted).filter((location) => location !== '' && !installed[location] && wanted[location].optional === true);
  const dependents = new Map<string, string[]>(absent.map((location) => [location, []]));
  for (const [location, entry] of Object.entries(wanted)) {
    if (entry.link) continue;
    for (const field of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies, entry.devDependencies]) {
      for (const name of Object.keys(field ?? {})) {
        const target = resolveFrom(wanted, location, name);
        if (target !== undefined) dependents.get(target)?.push(location);
      }
    }
  }
  const skipped = new Set(absent.filter((location) => excludedOn(platform, wanted[location])));
  for (let grew = true; grew;) {
    grew = false;
    for (const location of absent) {
      if (skipped.has(location)) continue;
      if (dependents.get(location)!.every((dependent) => dependent !== '' && !installed[dependent] && skipped.has(dependent))) {
        skipped.add(location);
        grew = true;
      }
    }
  }
  return skipped;
}

function entryDifference(want: LockEntry, have: LockEntry): string | undefined {
  if (Boolean(want.link) !== Boolean(have.link) || (want.link && want.resolved !== have.resolved))
    return `installed as ${describe(have)}, package-lock.json says ${describe(want)}`;
  if (want.version !== have.version) return `version ${String(have.version)} installed, package-lock.json says ${String(want.version)}`;
  const [wantIntegrity, haveIntegrity] = [want.integrity, have.integrity];
  if (wantIntegrity || haveIntegrity) return wantIntegrity === haveIntegrity ? undefined : 'its integrity differs from package-lock.json';
  return (want.resolved ?? undefined) === (have.resolved ?? undefined) ? undefined : 'resolved from elsewhere than package-lock.json says';
}

function describe(entry: LockEntry): string {
  return entry.link ? `a link to ${String(entry.resolved)}` : `version ${String(entry.version)}`;
}

/**
 * npm's own freshness check: no package folder under node_modules is newer than the hidden
 * lockfile, each is listed in it, and each it lists is there. Unlike npm, the node_modules and
 * scope folders' own times do not count (tools write caches such as node_modules/.cache beside
 * the packages; a package added or removed shows in the listing instead). Workspace packages are
 * reached through their links; their own folders are the developer's, so only their node_modules
 * are checked.
 */
async function changedAfter(root: string, installed: Record<string, LockEntry>, lockTime: number): Promise<string | undefined> {
  const seen = new Set<string>();
  const check = async (dir: string, kind: 'modules' | 'scope' | 'package' | 'workspace'): Promise<string | undefined> => {
    const rel = relative(root, dir);
    if (seen.has(rel)) return undefined;
    seen.add(rel);
    if (kind === 'package') {
      const stats = await stat(dir);
      if (stats.mtimeMs > lockTime) return `${rel} changed after npm's last install`;
      if (!installed[rel]) return `${rel} is installed but not in ${hiddenLockfile}`;
    }
    const children = kind === 'modules' || kind === 'scope' ? dir : join(dir, 'node_modules');
    for (const entry of await readdir(children, { withFileTypes: true }).catch(() => [])) {
      if (entry.name.startsWith('.')) continue;
      const child = join(children, entry.name);
      let found: string | undefined;
      if (entry.isDirectory()) found = await check(child, entry.name.startsWith('@') && kind !== 'scope' ? 'scope' : 'package');
      else if (entry.isSymbolicLink()) {
        seen.add(relative(root, child));
        const target = resolve(children, await readlink(child));
        const outside = relative(root, target).split('/')[0] !== 'node_modules';
        if ((await stat(target).catch(() => undefined))?.isDirectory()) found = await check(target, outside ? 'workspace' : 'package');
      }
      if (found) return found;
    }
    return undefined;
  };
  const changed = await check(join(root, 'node_modules'), 'modules');
  if (changed) return changed;
  const gone = Object.keys(installed).find((location) => location.includes('node_modules/') && !seen.has(location));
  return gone === undefined ? undefined : `${gone} is listed in ${hiddenLockfile} but not there`;
}

/** npm reinstalls a package whose bins are gone: each bin of each installed package must be in its .bin. */
async function missingBin(root: string, installed: Record<string, LockEntry>): Promise<string | undefined> {
  for (const [location, entry] of Object.entries(installed)) {
    const at = location.lastIndexOf('node_modules/');
    if (at === -1) continue;
    const source = entry.link && typeof entry.resolved === 'string' ? installed[entry.resolved] : entry;
    const bins = source?.bin;
    if (!bins || typeof bins !== 'object') continue;
    for (const name of Object.keys(bins)) {
      const binPath = `${location.slice(0, at)}node_modules/.bin/${name.split('/').pop()}`;
      if (!(await lstat(join(root, binPath)).catch(() => undefined))) return `${binPath} of ${location} is missing`;
    }
  }
  return undefined;
}
