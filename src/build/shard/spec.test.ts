import { describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { parseShardSpec, shardName } from './spec.ts';

describe('parseShardSpec', () => {
  it('reads <i>/<n> with 1 ≤ i ≤ n', () => {
    expect(parseShardSpec('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShardSpec('1/1')).toEqual({ index: 1, count: 1 });
    expect(shardName(parseShardSpec('3/3'))).toBe('3/3');
  });

  it.each([
    ['', 'is not <i>/<n>'],
    ['2', 'is not <i>/<n>'],
    ['a/3', 'is not <i>/<n>'],
    ['-1/3', 'is not <i>/<n>'],
    ['0/3', 'must be between 1 and 3'],
    ['4/3', 'must be between 1 and 3'],
    ['1/0', 'the shard count must be at least 1'],
  ])('refuses %j, naming --shard', (text, problem) => {
    const error = (() => {
      try {
        parseShardSpec(text);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toContain('--shard');
    expect((error as Failure).specific).toContain(problem);
  });
});
