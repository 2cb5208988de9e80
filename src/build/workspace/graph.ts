import { Failure } from '../../shared/feedback/failure.ts';
import type { Workspace } from './types.ts';

/**
 * Packages grouped into levels: every package's workspace dependencies sit in earlier levels, so
 * a level can run in parallel once the previous ones are done. Names are sorted within a level.
 * Kahn's algorithm, counting each package's unplaced dependencies: linear in packages and edges.
 */
export function topologicalLevels(ws: Workspace): string[][] {
  const deps = new Map(ws.packages.map((pkg) => [pkg.name, new Set(pkg.workspaceDeps.filter((dep) => dep !== pkg.name))]));
  const unplacedDeps = new Map([...deps].map(([name, names]) => [name, names.size]));
  const dependents = dependentsIndex(ws);
  const levels: string[][] = [];
  let ready = [...unplacedDeps].filter(([, count]) => count === 0).map(([name]) => name);
  while (ready.length > 0) {
    const level = ready.sort();
    levels.push(level);
    ready = [];
    for (const name of level) {
      unplacedDeps.delete(name);
      for (const dependent of dependents.get(name) ?? []) {
        const left = unplacedDeps.get(dependent)! - 1;
        unplacedDeps.set(dependent, left);
        if (left === 0) ready.push(dependent);
      }
    }
  }
  if (unplacedDeps.size > 0) {
    const placed = new Set(levels.flat());
    const blocked = new Map(
      [...unplacedDeps.keys()].map((name) => [name, new Set([...deps.get(name)!].filter((dep) => !placed.has(dep)))]),
    );
    throw cycleFailure(findCycle(blocked));
  }
  return levels;
}

/** For each package, the packages that depend on it directly: each once, a self-dependency left out. */
export function dependentsIndex(ws: Workspace): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const pkg of ws.packages) {
    for (const dep of new Set(pkg.workspaceDeps)) {
      if (dep === pkg.name) continue;
      const list = dependents.get(dep);
      if (list) list.push(pkg.name);
      else dependents.set(dep, [pkg.name]);
    }
  }
  return dependents;
}

/** Every package that depends on one of `names`, directly or transitively (the names excluded). */
export function dependentsOf(ws: Workspace, names: string[]): string[] {
  const dependents = dependentsIndex(ws);
  const seen = new Set<string>();
  const queue = [...names];
  for (let next = 0; next < queue.length; next++) {
    for (const dependent of dependents.get(queue[next]) ?? []) {
      if (seen.has(dependent)) continue;
      seen.add(dependent);
      queue.push(dependent);
    }
  }
  for (const name of names) seen.delete(name);
  return [...seen].sort();
}

/** A cycle among packages that are all blocked: follow any blocked edge until a name repeats. */
function findCycle(blocked: Map<string, Set<string>>): string[] {
  const path: string[] = [];
  let current = [...blocked.keys()].sort()[0];
  while (!path.includes(current)) {
    path.push(current);
    current = [...blocked.get(current)!].sort()[0];
  }
  return [...path.slice(path.indexOf(current)), current];
}

function cycleFailure(cycle: string[]): Failure {
  return new Failure(`Dependency cycle between workspace packages: ${cycle.join(' -> ')}`, {
    details: cycle.slice(0, -1).map((name, i) => `${name} depends on ${cycle[i + 1]}`),
    hint: 'Break the cycle: move the shared code into a package both can depend on, or drop one of the dependencies from package.json.',
  });
}
