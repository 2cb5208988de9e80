import { describe, expect, it } from 'vitest';
import { checkCoverage, formatUncoveredRanges } from './coverage.ts';
import { coverageFailure } from './feedback.ts';
import { parseLcov } from './lcov.ts';

function lcov(file: string, covered: number[], uncovered: number[], extra = ''): string {
  const lines = [...covered.map((line) => `DA:${line},1`), ...uncovered.map((line) => `DA:${line},0`)];
  return `SF:${file}\n${extra}${lines.join('\n')}\nend_of_record\n`;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

// backend: 20 of 30 lines covered; its own test file is reported too (node does that).
const backend = parseLcov(
  lcov('src/routes.js', range(1, 11), [...range(12, 18), 31]) +
    lcov('src/db.js', range(1, 9), [40, 41]) +
    lcov('src/routes.test.js', [], range(1, 50)),
  '/repo/packages/backend',
  '/repo',
);
const shared = parseLcov(
  lcov('src/format.js', range(1, 10), [], 'FN:1,pad\nFN:5,week\nFNDA:3,pad\nFNDA:0,week\n'),
  '/repo/packages/shared',
  '/repo',
);

describe('formatUncoveredRanges', () => {
  it('joins consecutive lines into ranges', () => {
    expect(formatUncoveredRanges([12, 13, 14, 18])).toBe('12-14, 18');
    expect(formatUncoveredRanges([31, 12, 13, 12])).toBe('12-13, 31');
    expect(formatUncoveredRanges([])).toBe('');
  });
});

describe('checkCoverage', () => {
  it('passes when every level is met, measuring without test files', () => {
    const check = checkCoverage({ '@embark/backend': backend, '@embark/shared': shared }, { lines: 75, packages: {}, exclude: [] });
    expect(check.summary).toEqual({ lines: 75, functions: 50, branches: 100 });
    expect(check.violations).toEqual([]);
    expect(coverageFailure(check)).toBeUndefined();
  });

  it('names the scope, the metric, the files and their uncovered lines', () => {
    const check = checkCoverage(
      { '@embark/backend': backend, '@embark/shared': shared },
      { lines: 80, functions: 50, packages: { '@embark/backend': { lines: 70 }, '@embark/shared': { functions: 100 } }, exclude: [] },
    );
    expect(check.violations).toEqual([
      {
        scope: 'global',
        metric: 'lines',
        actual: 75,
        required: 80,
        uncovered: [
          { file: 'packages/backend/src/routes.js', ranges: '12-18, 31' },
          { file: 'packages/backend/src/db.js', ranges: '40-41' },
        ],
      },
      {
        scope: '@embark/backend',
        metric: 'lines',
        actual: 66.66,
        required: 70,
        uncovered: [
          { file: 'packages/backend/src/routes.js', ranges: '12-18, 31' },
          { file: 'packages/backend/src/db.js', ranges: '40-41' },
        ],
      },
      {
        scope: '@embark/shared',
        metric: 'functions',
        actual: 50,
        required: 100,
        uncovered: [{ file: 'packages/shared/src/format.js', ranges: '5' }],
      },
    ]);
    const failure = coverageFailure(check)!;
    expect(failure.specific).toBe(
      'coverage below thresholds: global lines coverage 75% is below 80%; @embark/backend lines coverage 66.66% is below 70%; @embark/shared functions coverage 50% is below 100%',
    );
    expect(failure.details.slice(0, 3)).toEqual([
      'global lines coverage 75% is below 80%; uncovered lines:',
      '  packages/backend/src/routes.js: 12-18, 31',
      '  packages/backend/src/db.js: 40-41',
    ]);
    expect(failure.details).toContain('  packages/shared/src/format.js: 5');
    // Each uncovered file is a place to annotate: its first uncovered range, all of them named.
    expect(failure.locations[0]).toEqual({
      file: 'packages/backend/src/routes.js',
      line: 12,
      endLine: 18,
      title: 'Not covered by tests',
      message: 'uncovered lines: 12-18, 31 (global lines coverage 75% is below 80%)',
    });
    expect(failure.locations.at(-1)).toEqual({
      file: 'packages/shared/src/format.js',
      line: 5,
      title: 'Not covered by tests',
      message: 'uncovered functions at lines: 5 (@embark/shared functions coverage 50% is below 100%)',
    });
    expect(failure.locations).toHaveLength(5);
  });

  it('leaves excluded packages out of every measure', () => {
    const check = checkCoverage(
      { '@embark/backend': backend, '@embark/shared': shared },
      { lines: 100, packages: { '@embark/backend': { lines: 90 } }, exclude: ['@embark/backend'] },
    );
    expect(check.summary.lines).toBe(100);
    expect(check.violations).toEqual([]);
  });

  it('reports a single violation as the specific cause', () => {
    const failure = coverageFailure(checkCoverage({ '@embark/backend': backend }, { lines: 70, packages: {}, exclude: [] }))!;
    expect(failure.specific).toBe('global lines coverage 66.66% is below 70%');
  });
});
