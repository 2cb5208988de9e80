import { describe, expect, it } from 'vitest';
import { excerptAroundFirstFailure } from './feedback.ts';

describe('excerptAroundFirstFailure', () => {
  it('keeps what the code printed just before the first failing test', () => {
    const output = [
      '> @embark/backend test:integration',
      '✔ migration (12ms)',
      'POST /api/notes failed: column "titel" does not exist',
      '✖ a note lands in PostgreSQL (69ms)',
      '  500 !== 201',
      ...Array.from({ length: 40 }, (_, i) => `npm error noise ${i}`),
    ].join('\n');
    const excerpt = excerptAroundFirstFailure(output);
    expect(excerpt).toContain('POST /api/notes failed: column "titel" does not exist');
    expect(excerpt).toContain('  500 !== 201');
    expect(excerpt.some((line) => line.includes('noise 30'))).toBe(false);
  });

  it('falls back to the tail of the output when no test failed visibly (a crash)', () => {
    const output = ['starting', 'SyntaxError: Unexpected token', 'npm error code 1'].join('\n');
    expect(excerptAroundFirstFailure(output)).toEqual(['starting', 'SyntaxError: Unexpected token', 'npm error code 1']);
  });
});
