/** A package as the shard plan sees it. */
export interface ShardPackage {
  name: string;
  /** Workspace packages it depends on. */
  dependencies: string[];
  build: boolean;
  test: boolean;
  /** Its source size in bytes: the weight of a package no earlier run timed. */
  size: number;
}

/** Which shard does each package's work (its build and its tests), and the load each shard got. */
export interface ShardAssignment {
  owner: Record<string, number>;
  /** Each shard's estimated work (index 0 is shard 1), in the unit of the weights. */
  loads: number[];
}

/** What one shard does. */
export interface ShardWork {
  /** Packages whose tests run here. */
  tests: string[];
  /** Packages whose builds run (or are restored) here: this shard owns them. */
  builds: string[];
  /** Packages this shard's work needs that another shard builds: name -> the owning shard. */
  awaited: Record<string, number>;
}

/**
 * PURE: each package with a build or tests given to one shard, greedily: heaviest first onto the
 * least-loaded shard (ties: the lower shard; equal weights: by name). A package's weight is its
 * recorded duration (ms); a package never timed is weighed by its size at the rate of those timed
 * (or by size alone when none was). Every shard computes the same plan from the same inputs.
 */
export function planShards(packages: ShardPackage[], durations: Record<string, number>, count: number): ShardAssignment {
  const working = packages.filter((pkg) => pkg.build || pkg.test);
  const weightOf = weigher(working, durations);
  const ordered = [...working].sort((a, b) => weightOf(b) - weightOf(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const loads = Array.from({ length: count }, () => 0);
  const owner: Record<string, number> = {};
  for (const pkg of ordered) {
    const least = loads.indexOf(Math.min(...loads));
    owner[pkg.name] = least + 1;
    loads[least] += weightOf(pkg);
  }
  return { owner, loads };
}

/** PURE: shard `index`'s part of the assignment: its tests, its builds, and the builds it waits for. */
export function shardWork(packages: ShardPackage[], assignment: ShardAssignment, index: number): ShardWork {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const mine = packages.filter((pkg) => assignment.owner[pkg.name] === index);
  const needed = new Set<string>();
  const visit = (name: string) => {
    for (const dependency of byName.get(name)?.dependencies ?? []) {
      if (needed.has(dependency) || !byName.has(dependency)) continue;
      needed.add(dependency);
      visit(dependency);
    }
  };
  for (const pkg of mine) visit(pkg.name);
  const awaited = [...needed]
    .filter((name) => byName.get(name)!.build && assignment.owner[name] !== index)
    .sort()
    .map((name) => [name, assignment.owner[name]] as const);
  return {
    tests: mine.filter((pkg) => pkg.test).map((pkg) => pkg.name),
    builds: mine.filter((pkg) => pkg.build).map((pkg) => pkg.name),
    awaited: Object.fromEntries(awaited),
  };
}

function weigher(packages: ShardPackage[], durations: Record<string, number>): (pkg: ShardPackage) => number {
  const timed = packages.filter((pkg) => durations[pkg.name] !== undefined);
  const timedSize = timed.reduce((sum, pkg) => sum + pkg.size, 0);
  const timedMs = timed.reduce((sum, pkg) => sum + durations[pkg.name], 0);
  // Milliseconds per byte among the timed packages, so untimed ones weigh in the same unit.
  const rate = timed.length && timedSize > 0 ? timedMs / timedSize : 1;
  return (pkg) => durations[pkg.name] ?? Math.max(pkg.size, 1) * rate;
}
