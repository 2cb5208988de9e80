import { sha256 } from '../../shared/hash.ts';

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** Reads an npm lockfile v2/v3 (the `packages` map); undefined for other formats and versions. */
export function parseNpmLockfile(content: string): Record<string, LockEntry> | undefined {
  try {
    const lock = JSON.parse(content) as { lockfileVersion?: number; packages?: Record<string, LockEntry> };
    return (lock.lockfileVersion ?? 0) >= 2 && lock.packages ? lock.packages : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For one lockfile, the hash of the entries a workspace package can load: those reachable from
 * its own dependencies and from the root package's (root tooling such as typescript builds
 * every package). Entries reachable only from other packages do not count, so bumping an
 * unrelated dependency leaves the hash alone. Links to workspace packages stop the walk: a
 * workspace dependency's own slice reaches this package through that dependency's hash.
 * Edges and entry digests are computed once per lockfile, so 100 packages cost little more than one.
 */
export function npmLockfileSlicer(packages: Record<string, LockEntry>): (relDir: string) => string {
  const edges = new Map<string, string[]>();
  const digests = new Map<string, string>();
  const edgesOf = (location: string, withDev: boolean): string[] => {
    const cacheKey = withDev ? `dev:${location}` : location;
    let found = edges.get(cacheKey);
    if (!found) {
      const entry = packages[location];
      const names = entry && !entry.link ? dependencyNames(entry, withDev) : [];
      found = names.map((name) => resolveFrom(packages, location, name)).filter((resolved) => resolved !== undefined);
      edges.set(cacheKey, found);
    }
    return found;
  };
  const digestOf = (location: string): string => {
    let digest = digests.get(location);
    if (digest === undefined) digests.set(location, (digest = sha256(JSON.stringify(packages[location] ?? null))));
    return digest;
  };
  /** What `start` reaches, but the locations of `known` (and what only they reach). */
  const closure = (start: string, known: ReadonlySet<string> = new Set()): Set<string> => {
    const reached = new Set<string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const location = queue[i];
      if (reached.has(location) || known.has(location)) continue;
      reached.add(location);
      // Workspace and root entries bring their devDependencies; installed packages' dev deps are not installed.
      for (const next of edgesOf(location, i === 0)) if (!reached.has(next) && !known.has(next)) queue.push(next);
    }
    return reached;
  };
  const digestOfSet = (locations: Set<string>) =>
    sha256(
      [...locations]
        .sort()
        .map((location) => `${location}\0${digestOf(location)}`)
        .join('\n'),
    );
  // Every package reads what the root installs: its digest is made once, and each package adds
  // only what it reaches beyond it (linear in packages, not packages times the root's closure).
  const rootClosure = closure('');
  const rootDigest = digestOfSet(rootClosure);
  return (relDir) => (relDir === '.' ? rootDigest : sha256(`${rootDigest}\n${digestOfSet(closure(relDir, rootClosure))}`));
}

function dependencyNames(entry: LockEntry, withDev: boolean): string[] {
  const fields = [entry.dependencies, entry.optionalDependencies, entry.peerDependencies, withDev ? entry.devDependencies : undefined];
  return fields.flatMap((field) => Object.keys(field ?? {}));
}

/** Node's resolution over lockfile locations: the nearest node_modules/<name> walking up from `location`. */
export function resolveFrom(packages: Record<string, LockEntry>, location: string, name: string): string | undefined {
  let dir = location;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === '') return undefined;
    const slash = dir.lastIndexOf('/');
    dir = slash === -1 ? '' : dir.slice(0, slash);
  }
}
