import { describe, expect, it } from 'vitest';
import { resultsInOrder } from './replay.ts';

describe('resultsInOrder', () => {
  it("puts each package's result in the packages' order, leaving out packages without one", () => {
    const finished = [
      { package: 'c', passed: 3 },
      { package: 'a', passed: 1 },
    ];
    expect(resultsInOrder(['a', 'b', 'c'], finished)).toEqual([
      { package: 'a', passed: 1 },
      { package: 'c', passed: 3 },
    ]);
    expect(resultsInOrder([], finished)).toEqual([]);
  });

  it('keeps the order of a thousand packages finished in reverse', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `@bench/p${String(i).padStart(3, '0')}`);
    const finished = [...names].reverse().map((name, i) => ({ package: name, passed: i }));
    const ordered = resultsInOrder(names, finished);
    expect(ordered.map((result) => result.package)).toEqual(names);
    expect(ordered[0]).toBe(finished[999]);
  });
});
