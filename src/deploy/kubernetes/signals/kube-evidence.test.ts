import { describe, expect, it } from 'vitest';
import { countErrorLines, podRestarts, restartBaseline, restartsSince, type PodFacts } from './kube-evidence.ts';

const pod = (name: string, ...restartCounts: number[]): PodFacts => ({
  metadata: { name, uid: `uid-${name}` },
  status: { containerStatuses: restartCounts.map((restartCount) => ({ restartCount })) },
});

describe('restartsSince', () => {
  it('counts what pods added since the baseline, and everything of pods that appeared after it', () => {
    const baseline = restartBaseline([pod('a', 3, 1), pod('b', 2), pod('gone', 9)]);
    expect(restartsSince(baseline, [pod('a', 5, 1), pod('b', 2), pod('new', 4)])).toEqual({
      total: 6,
      byPod: [
        { pod: 'a', restarts: 2 },
        { pod: 'new', restarts: 4 },
      ],
    });
  });

  it('reads pods that have no container statuses yet as not restarted', () => {
    expect(podRestarts({ metadata: { name: 'pending', uid: 'u' } })).toBe(0);
    expect(restartsSince(new Map(), [{ metadata: { name: 'pending', uid: 'u' }, status: {} }])).toEqual({ total: 0, byPod: [] });
  });
});

describe('countErrorLines', () => {
  it('matches error, exception and fatal as words, in any case', () => {
    const text = [
      'ok',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      'errors=0',
      'TypeError-free',
      'Unhandled EXCEPTION',
      'fatal!',
      '',
    ].join('\n');
    expect(countErrorLines([{ pod: 'web-1', text }])).toEqual({
      total: 3,
      examples: ['web-1: Error: connect ECONNREFUSED 127.0.0.1:5432', 'web-1: Unhandled EXCEPTION', 'web-1: fatal!'],
    });
  });

  it('keeps three short examples across pods', () => {
    const long = `error ${'x'.repeat(300)}`;
    const counted = countErrorLines([
      { pod: 'a', text: `${long}\nerror two` },
      { pod: 'b', text: 'error three\nerror four' },
    ]);
    expect(counted.total).toBe(4);
    expect(counted.examples).toEqual([`a: ${long.slice(0, 200)}…`, 'a: error two', 'b: error three']);
  });
});
