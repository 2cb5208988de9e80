import { describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { dependentsOf, topologicalLevels } from './graph.ts';
import { workspaceOf as workspace } from '../../test-support/workspace-fixtures.ts';

describe('topologicalLevels', () => {
  it('puts every package after its workspace dependencies, parallel ones together', () => {
    const ws = workspace({ app: ['api-client', 'ui'], ui: ['shared'], 'api-client': ['shared'], shared: [], docs: [] });
    expect(topologicalLevels(ws)).toEqual([['docs', 'shared'], ['api-client', 'ui'], ['app']]);
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
});
