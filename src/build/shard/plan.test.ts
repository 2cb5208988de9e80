import { describe, expect, it } from 'vitest';
import { planShards, shardWork, type ShardPackage } from './plan.ts';

const pkg = (name: string, size: number, dependencies: string[] = [], tasks: Partial<ShardPackage> = {}): ShardPackage => ({
  name,
  size,
  dependencies,
  build: true,
  test: true,
  ...tasks,
});

describe('planShards', () => {
  it('puts the heaviest first onto the least-loaded shard, by recorded durations', () => {
    const packages = ['a', 'b', 'c', 'd', 'e'].map((name) => pkg(name, 100));
    const { owner, loads } = planShards(packages, { a: 50, b: 40, c: 30, d: 20, e: 10 }, 2);
    // a→1 (50), b→2 (40), c→2 (70), d→1 (70), e→1 (80)
    expect(owner).toEqual({ a: 1, b: 2, c: 2, d: 1, e: 1 });
    expect(loads).toEqual([80, 70]);
  });

  it('balances 100 packages of uneven durations within 20 % of the mean', () => {
    const packages = Array.from({ length: 100 }, (_, i) => pkg(`p${String(i).padStart(3, '0')}`, 1000));
    const durations = Object.fromEntries(packages.map((each, i) => [each.name, 100 + ((i * 7919) % 900)]));
    const { loads } = planShards(packages, durations, 3);
    const mean = loads.reduce((sum, load) => sum + load, 0) / loads.length;
    expect(Math.max(...loads) / mean).toBeLessThanOrEqual(1.2);
  });

  it('is the same plan whatever order the packages come in; equal weights are ordered by name', () => {
    const packages = [pkg('c', 10), pkg('a', 10), pkg('b', 10), pkg('d', 10)];
    const first = planShards(packages, {}, 2);
    expect(planShards([...packages].reverse(), {}, 2)).toEqual(first);
    expect(first.owner).toEqual({ a: 1, b: 2, c: 1, d: 2 });
  });

  it('weighs packages never timed by their size, at the rate of those timed', () => {
    // big is 10× small's size; small took 100 ms on 1,000 bytes: big weighs 1,000, more than timed's 500.
    const packages = [pkg('big', 10_000), pkg('small', 1000), pkg('timed', 5000)];
    const { owner, loads } = planShards(packages, { small: 100, timed: 500 }, 2);
    expect(owner).toEqual({ big: 1, timed: 2, small: 2 });
    expect(loads).toEqual([1000, 600]);
  });

  it('with no history at all, balances by size', () => {
    const { owner } = planShards([pkg('a', 300), pkg('b', 200), pkg('c', 100)], {}, 2);
    expect(owner).toEqual({ a: 1, b: 2, c: 2 });
  });

  it('gives no shard a package with neither a build nor tests', () => {
    const { owner } = planShards([pkg('a', 1), pkg('types', 1, [], { build: false, test: false })], {}, 2);
    expect(owner).toEqual({ a: 1 });
  });
});

describe('shardWork', () => {
  // app → ui → core; lib (built, no tests) → core; docs has no tasks.
  const packages = [
    pkg('app', 400, ['ui', 'lib']),
    pkg('ui', 300, ['core']),
    pkg('core', 200),
    pkg('lib', 100, ['core'], { test: false }),
    pkg('docs', 50, [], { build: false, test: false }),
  ];

  it('owns each build in exactly one shard, and waits for the builds of the others it needs', () => {
    const assignment = planShards(packages, {}, 3);
    const works = [1, 2, 3].map((index) => shardWork(packages, assignment, index));
    const builds = works.flatMap((work) => work.builds).sort();
    expect(builds).toEqual(['app', 'core', 'lib', 'ui']);
    expect(works.flatMap((work) => work.tests).sort()).toEqual(['app', 'core', 'ui']);
    for (const [at, work] of works.entries()) {
      for (const [name, owner] of Object.entries(work.awaited)) {
        expect(owner).not.toBe(at + 1);
        expect(works[owner - 1].builds).toContain(name);
      }
    }
    const appShard = assignment.owner.app;
    // app needs ui, lib and (through them) core: those it does not own, it waits for.
    expect(Object.keys(works[appShard - 1].awaited).sort()).toEqual(
      ['core', 'lib', 'ui'].filter((name) => assignment.owner[name] !== appShard),
    );
  });

  it('with one shard, does everything and waits for nothing', () => {
    const work = shardWork(packages, planShards(packages, {}, 1), 1);
    expect(work).toEqual({ tests: ['app', 'ui', 'core'], builds: ['app', 'ui', 'core', 'lib'], awaited: {} });
  });
});
