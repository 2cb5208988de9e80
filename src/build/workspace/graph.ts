import { Failure } from '../../shared/feedback/failure.ts';
import type { Workspace } from './types.ts';

/**
 * Packages grouped into levels: every package's workspace dependencies sit in earlier levels, so
 * a level can run in parallel once the previous ones are done. Names are sorted within a level.
 */
export function topologicalLevels(ws: Workspace): string[][] {
  const remaining = new Map(ws.packages.map((pkg) => [pkg.name, new Set(pkg.workspaceDeps.filter((dep) => dep !== pkg.name))]));
  const levels: string[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining]
      .filter(([, deps]) => deps.size === 0)
      .map(([name]) => name)
      .sort();
    if (ready.length === 0) throw cycleFailure(findCycle(remaining));
    for (const name of ready) remaining.delete(name);
    for (const deps of remaining.values()) for (const name of ready) deps.delete(name);
    levels.push(ready);
  }
  return levels;
}

/** Every package that depends on one of `names`, directly or transitively (the names excluded). */
export function dependentsOf(ws: Workspace, names: string[]): string[] {
  const dependents = new Map<string, string[]>();
  for (const pkg of ws.packages) {
    for (const dep of pkg.workspaceDeps) dependents.set(dep, [...(dependents.get(dep) ?? []), pkg.name]);
  }
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    for (const dependent of dependents.get(queue.shift()!) ?? []) {
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
