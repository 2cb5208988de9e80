import { availableParallelism } from 'node:os';
import { dependentsIndex, topologicalLevels } from './graph.ts';
import type { Workspace } from './types.ts';

export interface ScheduleOptions {
  /** Most packages in flight at once (default: the machine's parallelism). */
  concurrency?: number;
}

/**
 * Runs `work` for every package, each as soon as all its workspace dependencies are done (no
 * waiting for a whole level), at most `concurrency` at a time. Among ready packages the one with
 * the most dependents goes first: it unblocks the most. After a failure no new package starts;
 * the ones running finish, then every failure is thrown together (one alone as itself).
 */
export async function runInDependencyOrder(
  ws: Workspace,
  work: (name: string) => Promise<void>,
  opts: ScheduleOptions = {},
): Promise<void> {
  topologicalLevels(ws); // throws the cycle, named, before anything starts
  const limit = Math.max(1, opts.concurrency ?? availableParallelism());
  const waitingOn = new Map(ws.packages.map((pkg) => [pkg.name, new Set(pkg.workspaceDeps.filter((dep) => dep !== pkg.name))]));
  const dependents = dependentsIndex(ws);
  const weight = transitiveDependentCounts(
    ws.packages.map((pkg) => pkg.name),
    dependents,
  );
  const ready = [...waitingOn].filter(([, deps]) => deps.size === 0).map(([name]) => name);
  const failures: unknown[] = [];
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (failures.length === 1) reject(failures[0]);
      else if (failures.length > 1) reject(new AggregateError(failures, `${failures.length} packages failed`));
      else resolve();
    };
    const startReady = () => {
      while (failures.length === 0 && running < limit && ready.length > 0) {
        ready.sort((a, b) => weight.get(b)! - weight.get(a)! || (a < b ? -1 : 1));
        const name = ready.shift()!;
        waitingOn.delete(name);
        running++;
        work(name)
          .then(
            () => {
              for (const dependent of dependents.get(name) ?? []) {
                const deps = waitingOn.get(dependent)!;
                deps.delete(name);
                if (deps.size === 0) ready.push(dependent);
              }
            },
            (error: unknown) => {
              failures.push(error);
            },
          )
          .finally(() => {
            running--;
            startReady();
            if (running === 0 && (failures.length > 0 || ready.length === 0)) finish();
          });
      }
    };
    if (ready.length === 0)
      resolve(); // an empty workspace
    else startReady();
  });
}

/** How many packages wait, directly or not, on each package. */
function transitiveDependentCounts(names: string[], dependents: Map<string, string[]>): Map<string, number> {
  const below = new Map<string, Set<string>>();
  const collect = (name: string): Set<string> => {
    let found = below.get(name);
    if (found) return found;
    found = new Set();
    below.set(name, found);
    for (const dependent of dependents.get(name) ?? []) {
      found.add(dependent);
      for (const further of collect(dependent)) found.add(further);
    }
    return found;
  };
  return new Map(names.map((name) => [name, collect(name).size]));
}

/**
 * The packages in `changed` (those whose tests cannot be replayed), nearest the change first: one
 * with no changed package among its dependencies changed itself, while one that changed only
 * through them is tried after them. Ties keep workspace order.
 */
export function nearestChangeFirst(ws: Workspace, changed: readonly string[]): string[] {
  const inSet = new Set(changed);
  const byName = new Map(ws.packages.map((pkg) => [pkg.name, pkg]));
  const changedBelow = new Map<string, number>();
  for (const name of changed) {
    const seen = new Set<string>();
    const visit = (at: string) => {
      for (const dep of byName.get(at)?.workspaceDeps ?? []) {
        if (dep === at || seen.has(dep)) continue;
        seen.add(dep);
        visit(dep);
      }
    };
    visit(name);
    changedBelow.set(name, [...seen].filter((dep) => inSet.has(dep)).length);
  }
  return [...changed].sort((a, b) => changedBelow.get(a)! - changedBelow.get(b)!);
}
