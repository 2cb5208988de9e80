import { describe, expect, it } from 'vitest';
import { excerptAroundFirstFailure, testRunFailure } from './feedback.ts';

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

describe('testRunFailure', () => {
  const result = (failures: { name: string; suite?: string; file?: string; line?: number; message: string }[]) => ({
    package: '@embark/shared',
    passed: 3,
    failed: failures.length,
    skipped: 0,
    failures,
    durationMs: 1,
    exitCode: 1,
    output: '',
  });

  it('points at each failing test whose file is known, at its line, named by its suite and title', () => {
    const failure = testRunFailure(
      result([
        { name: 'pads dates', suite: 'format', file: 'packages/shared/src/format.test.ts', line: 12, message: '"1" !== "01"' },
        { name: 'trims', file: 'packages/shared/src/trim.test.ts', message: 'boom' },
        { name: 'npm run test', message: 'exited with code 1 before writing its JUnit report' },
      ]),
    )!;
    expect(failure.locations).toEqual([
      { file: 'packages/shared/src/format.test.ts', line: 12, title: 'format > pads dates', message: '"1" !== "01"' },
      { file: 'packages/shared/src/trim.test.ts', title: 'trims', message: 'boom' },
    ]);
    expect(failure.details).toHaveLength(3);
  });

  it("says how to run a package's tests as its package manager does when no test could be named", () => {
    const unreported = { ...result([{ name: 'pnpm run test', message: 'exited with code 1 and wrote no JUnit report' }]), reported: false };
    expect(testRunFailure(unreported)!.hint).toBe(
      'Run pnpm run test in the directory of @embark/shared and fix what fails (its output is above).',
    );
    expect(testRunFailure({ ...unreported, reported: true, failures: [] })!.hint).toBe(
      'Run the tests of @embark/shared locally and fix what fails.',
    );
  });

  it("starts the log excerpt at vitest's and jest's first failure, not at the tail", () => {
    const vitest = [
      'RUN v3',
      ' ✓ a.test.ts (2 tests)',
      ' FAIL  b.test.ts > sums',
      'AssertionError: expected 3 to be 4',
      ...Array(30).fill('  at frame'),
    ].join('\n');
    expect(excerptAroundFirstFailure(vitest)[2]).toBe(' FAIL  b.test.ts > sums');
    const jest = ['PASS a.test.js', '  ● sums › adds', '    expect(received).toBe(expected)', ...Array(30).fill('      at frame')].join(
      '\n',
    );
    expect(excerptAroundFirstFailure(jest)[1]).toBe('  ● sums › adds');
    // mobxjs/mobx: jest warns about its configuration before any test runs.
    const warned = ['● Validation Warning:', '  Unknown option "coverageReporters"', ...Array(8).fill('  more'), jest].join('\n');
    expect(excerptAroundFirstFailure(warned, 0)[0]).toBe('  ● sums › adds');
  });
});
