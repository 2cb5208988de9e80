import { describe, expect, it } from 'vitest';
import { Failure } from './failure.ts';

describe('Failure.with', () => {
  it('replaces only the parts given and keeps the rest', () => {
    const original = new Failure('test failed in shared', {
      details: ['"adds" in src/a.test.ts'],
      logExcerpt: ['✖ adds'],
      hint: 'fix it',
      artifacts: ['a.png'],
      locations: [{ file: 'src/a.test.ts', line: 3, message: '1 !== 2' }],
    });
    const changed = original.with({ specific: 'test failed in shared (against real postgres)', artifacts: ['kept/a.png'] });
    expect(changed).toBeInstanceOf(Failure);
    expect(changed).toMatchObject({
      specific: 'test failed in shared (against real postgres)',
      details: ['"adds" in src/a.test.ts'],
      logExcerpt: ['✖ adds'],
      hint: 'fix it',
      artifacts: ['kept/a.png'],
      locations: [{ file: 'src/a.test.ts', line: 3, message: '1 !== 2' }],
    });
    expect(original.with({ locations: [] }).locations).toEqual([]);
    expect(original.specific).toBe('test failed in shared');
  });
});
