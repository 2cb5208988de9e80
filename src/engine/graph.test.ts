import { describe, expect, it } from 'vitest';
import { nextStep, orderStages } from './graph.ts';
import type { StageStatus } from '../shared/state/run-store.ts';

const nodes = [
  { id: 'a', needs: [] },
  { id: 'b', needs: ['a'] },
  { id: 'c', needs: ['a'] },
  { id: 'd', needs: ['b', 'c'] },
];

describe('stage graph', () => {
  it('orders stages after their needs', () => {
    const order = orderStages(nodes);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'));
  });

  it('names a cycle and an unknown need', () => {
    expect(() =>
      orderStages([
        { id: 'x', needs: ['y'] },
        { id: 'y', needs: ['x'] },
      ]),
    ).toThrow(/stage cycle: x → y → x/);
    expect(() => orderStages([{ id: 'x', needs: ['nope'] }])).toThrow('stage x needs unknown stage nope');
  });

  it('starts independent stages together once their needs succeeded', () => {
    expect(nextStep(nodes, new Map())).toEqual({ kind: 'start', ids: ['a'] });
    expect(nextStep(nodes, new Map<string, StageStatus>([['a', 'succeeded']]))).toEqual({ kind: 'start', ids: ['b', 'c'] });
  });

  it('skips everything after a failure and then finishes', () => {
    const status = new Map<string, StageStatus>([
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'succeeded'],
    ]);
    expect(nextStep(nodes, status)).toEqual({ kind: 'skip', id: 'd', because: 'b' });
    status.set('d', 'skipped');
    expect(nextStep(nodes, status)).toEqual({ kind: 'done' });
  });

  it('waits while a stage runs', () => {
    expect(nextStep(nodes, new Map<string, StageStatus>([['a', 'running']]))).toEqual({ kind: 'wait' });
  });
});
