import { describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { dependentsIndex, dependentsOf, topologicalLevels } from './graph.ts';
import { workspaceOf as workspace } from '../../test-support/workspace-fixtures.ts';

describe('topologicalLevels', () => {
  it('puts every package after its workspace dependencies, parallel ones together', () => {
    const ws = workspace({ app: ['api-client', 'ui'], ui: ['shared'], 'api-client': ['shared'], shared: [], docs: [] });
    expect(topologicalLevels(ws)).toEqual([['docs', 'shared'], ['api-client', 'ui'], ['app']]);
  });

  it('places each package one level past its deepest dependency, in a large graph with repeated and self dependencies', () => {
    // 1,500 packages, each on up to 4 earlier ones (some twice, some itself): levels by longest path.
    const deps: Record<string, string[]> = {};
    const names = Array.from({ length: 1500 }, (_, i) => `p${String(i).padStart(4, '0')}`);
    names.forEach((name, i) => {
      const picks = i === 0 ? [] : [names[(i * 7919) % i], names[(i * 104729) % i], names[i - 1]];
      deps[name] = i % 10 === 0 ? [...picks, picks[0] ?? name, name] : picks;
    });
    const depth = new Map<string, number>();
    for (const name of names) depth.set(name, Math.max(-1, ...deps[name].filter((dep) => dep !== name).map((dep) => depth.get(dep)!)) + 1);
    const expected: string[][] = [];
    for (const name of names) (expected[depth.get(name)!] ??= []).push(name);

    expect(topologicalLevels(workspace(deps))).toEqual(expected.map((level) => level.sort()));
  });

  it('names the cycle when packages depend on each other', () => {
    const ws = workspace({ a: ['b'], b: ['c'], c: ['a'], d: ['a'], e: [] });
    let failure: unknown;
    try {
      topologicalLevels(ws);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Failure);
    expect((failure as Failure).specific).toBe('Dependency cycle between workspace packages: a -> b -> c -> a');
    expect((failure as Failure).details).toEqual(['a depends on b', 'b depends on c', 'c depends on a']);
    expect((failure as Failure).hint).toContain('Break the cycle');
  });
});

describe('dependentsOf', () => {
  it('finds direct and transitive dependents, not the packages themselves', () => {
    const ws = workspace({ app: ['ui'], ui: ['shared'], backend: ['shared'], shared: [], docs: [] });
    expect(dependentsOf(ws, ['shared'])).toEqual(['app', 'backend', 'ui']);
    expect(dependentsOf(ws, ['ui', 'app'])).toEqual([]);
    expect(dependentsOf(ws, ['docs'])).toEqual([]);
  });

  it('walks a long chain to its end', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `c${String(i).padStart(4, '0')}`);
    const ws = workspace(Object.fromEntries(names.map((name, i) => [name, i === 0 ? [] : [names[i - 1]]])));
    expect(dependentsOf(ws, [names[0]])).toEqual(names.slice(1));
    expect(dependentsOf(ws, [names[2998]])).toEqual([names[2999]]);
  });
});

describe('dependentsIndex', () => {
  it('lists each direct dependent once, in workspace order, without a package as its own dependent', () => {
    const ws = workspace({ shared: ['shared'], ui: ['shared', 'shared'], app: ['ui', 'shared'], docs: [] });
    expect(Object.fromEntries(dependentsIndex(ws))).toEqual({ shared: ['ui', 'app'], ui: ['app'] });
  });
});
