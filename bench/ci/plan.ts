/**
 * The shape of the synthetic monorepo: which packages exist, on which level, and what each one
 * depends on. Pure and deterministic for a given count and seed, so every run benchmarks the same graph.
 */

export interface PackagePlan {
  /** npm name, e.g. `@bench/p042`. */
  name: string;
  /** Directory name under `packages/`, e.g. `p042`. */
  dir: string;
  /** 0 for the single root package; a package depends on at least one package one level up. */
  level: number;
  /** Names of its direct workspace dependencies, all on earlier levels. */
  deps: string[];
}

export interface MonorepoPlan {
  packages: PackagePlan[];
  /** The package everything depends on transitively. */
  root: PackagePlan;
  /** A package on the last level: nothing depends on it. */
  leaf: PackagePlan;
}

/** mulberry32: a tiny seeded generator, enough for a reproducible graph. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many packages sit on each level below the root: a tent shape (narrow near the root and at
 * the leaves, wide in the middle) so the graph is both deep and wide.
 */
function levelSizes(count: number, depth: number): number[] {
  const below = depth - 1;
  if (count - 1 < below) throw new Error(`${count} packages cannot fill ${depth} levels`);
  const weights = Array.from({ length: below }, (_, i) => Math.min(i + 1, below - i));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  // One package per level, the rest shared by weight; what rounding down leaves goes middle out.
  const spare = count - 1 - below;
  const sizes = weights.map((weight) => 1 + Math.floor((spare * weight) / total));
  const middleOut = [...sizes.keys()].sort((a, b) => Math.abs(a - (below - 1) / 2) - Math.abs(b - (below - 1) / 2));
  for (let i = 0; sizes.reduce((sum, size) => sum + size, 0) < count - 1; i++) sizes[middleOut[i % below]]++;
  return [1, ...sizes];
}

/** The default depth: 7 levels for 100 packages; small repos get fewer, about two packages a level. */
function defaultDepth(count: number): number {
  return Math.max(2, Math.min(7, Math.floor((count - 1) / 2) + 1));
}

export function planMonorepo(count: number, options: { seed?: number; depth?: number } = {}): MonorepoPlan {
  if (count < 2) throw new Error(`a monorepo plan needs at least 2 packages, got ${count}`);
  const random = seededRandom(options.seed ?? 20261125);
  const sizes = levelSizes(count, options.depth ?? defaultDepth(count));
  const byLevel: PackagePlan[][] = [];
  const packages: PackagePlan[] = [];
  for (const [level, size] of sizes.entries()) {
    byLevel[level] = [];
    for (let i = 0; i < size; i++) {
      const dir = `p${String(packages.length).padStart(3, '0')}`;
      const plan: PackagePlan = { name: `@bench/${dir}`, dir, level, deps: [] };
      if (level > 0) {
        const pick = (candidates: PackagePlan[]) => candidates[Math.floor(random() * candidates.length)].name;
        const deps = new Set([pick(byLevel[level - 1])]);
        const earlier = byLevel.slice(0, level).flat();
        const extra = Math.floor(random() * 3);
        for (let j = 0; j < extra; j++) deps.add(pick(earlier));
        plan.deps = [...deps].sort();
      }
      byLevel[level].push(plan);
      packages.push(plan);
    }
  }
  return { packages, root: packages[0], leaf: packages[packages.length - 1] };
}
