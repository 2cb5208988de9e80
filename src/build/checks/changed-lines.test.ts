import { describe, expect, it } from 'vitest';
import { changedLinesFailure, checkChangedLines } from './changed-lines.ts';
import type { ChangedLines } from './git-diff.ts';
import type { FileCoverage } from './lcov.ts';

const coverageOf = (file: string, hits: Record<number, number>): FileCoverage => ({
  file,
  lines: new Map(Object.entries(hits).map(([line, count]) => [Number(line), count])),
  functions: { found: 0, hit: 0 },
  branches: { found: 0, hit: 0 },
});

describe('checkChangedLines', () => {
  it('counts only changed lines the report instruments', () => {
    const files = [coverageOf('src/a.ts', { 1: 1, 2: 0, 3: 0, 4: 1, 10: 0 }), coverageOf('src/untouched.ts', { 1: 0 })];
    // Lines 5-6 changed but are not code (a comment, a type): they do not count.
    const changed: ChangedLines = new Map([['src/a.ts', new Set([2, 3, 4, 5, 6])]]);
    expect(checkChangedLines(files, changed, 80)).toEqual({
      percent: 33.33,
      covered: 1,
      total: 3,
      passed: false,
      uncovered: [{ file: 'src/a.ts', ranges: '2-3' }],
    });
  });

  it('counts every instrumented line of an untracked file, and lists the most uncovered file first', () => {
    const files = [coverageOf('src/a.ts', { 1: 0, 2: 1 }), coverageOf('src/new.ts', { 1: 0, 2: 0, 5: 0, 6: 1 })];
    const changed: ChangedLines = new Map<string, Set<number> | 'all'>([
      ['src/a.ts', new Set([1])],
      ['src/new.ts', 'all'],
    ]);
    expect(checkChangedLines(files, changed, 50)).toEqual({
      percent: 20,
      covered: 1,
      total: 5,
      passed: false,
      uncovered: [
        { file: 'src/new.ts', ranges: '1-2, 5' },
        { file: 'src/a.ts', ranges: '1' },
      ],
    });
  });

  it('merges runs of the same file, so a line covered by any package counts as covered', () => {
    const files = [coverageOf('lib/shared.ts', { 1: 0, 2: 1 }), coverageOf('lib/shared.ts', { 1: 3, 2: 0 })];
    expect(checkChangedLines(files, new Map([['lib/shared.ts', new Set([1, 2])]]), 100)).toMatchObject({
      percent: 100,
      covered: 2,
      total: 2,
      passed: true,
      uncovered: [],
    });
  });

  it('does not measure test files or dependencies', () => {
    const files = [coverageOf('src/a.test.ts', { 1: 0 }), coverageOf('node_modules/x/index.js', { 1: 0 })];
    const changed: ChangedLines = new Map([
      ['src/a.test.ts', 'all'],
      ['node_modules/x/index.js', 'all'],
    ]);
    expect(checkChangedLines(files, changed, 80)).toMatchObject({ percent: 100, total: 0, passed: true });
  });

  it('passes with 100 % when no changed line is code', () => {
    expect(checkChangedLines([coverageOf('src/a.ts', { 1: 0 })], new Map(), 80)).toEqual({
      percent: 100,
      covered: 0,
      total: 0,
      passed: true,
      uncovered: [],
    });
  });

  it('passes exactly at the threshold and fails just under it', () => {
    const files = [coverageOf('src/a.ts', { 1: 1, 2: 1, 3: 1, 4: 1, 5: 0 })];
    expect(checkChangedLines(files, new Map([['src/a.ts', 'all']]), 80).passed).toBe(true);
    expect(checkChangedLines(files, new Map([['src/a.ts', 'all']]), 80.5).passed).toBe(false);
  });
});

describe('changedLinesFailure', () => {
  it('is undefined when the changed lines pass', () => {
    expect(
      changedLinesFailure({ percent: 100, covered: 0, total: 0, passed: true, uncovered: [] }, 80, 'merge-base with main (abc1234)'),
    ).toBeUndefined();
  });

  it('names the share, the level, the base and each file with its uncovered changed lines', () => {
    const files = [coverageOf('src/a.ts', { 1: 1, 2: 0, 3: 0, 4: 0 }), coverageOf('src/b.ts', { 7: 1, 9: 0 })];
    const changed: ChangedLines = new Map<string, Set<number> | 'all'>([
      ['src/a.ts', 'all'],
      ['src/b.ts', new Set([7, 9])],
    ]);
    const failure = changedLinesFailure(checkChangedLines(files, changed, 80), 80, 'merge-base with main (abc1234)');
    expect(failure?.specific).toBe('changed lines 33.3 % covered, below the 80 % required (against merge-base with main (abc1234))');
    expect(failure?.details).toEqual([
      '2 of 6 changed lines with code are covered; uncovered changed lines:',
      '  src/a.ts: 2-4',
      '  src/b.ts: 9',
    ]);
    expect(failure?.locations.map(({ file, line, endLine }) => ({ file, line, endLine }))).toEqual([
      { file: 'src/a.ts', line: 2, endLine: 4 },
      { file: 'src/b.ts', line: 9, endLine: undefined },
    ]);
    expect(failure?.locations[0].message).toBe('uncovered changed lines: 2-4 (changed lines 33.3 % covered, below 80 %)');
    expect(failure?.hint).toBe(
      'Add tests that exercise these changed lines. The level is coverage.changedLines in the Slipway config; coverage.base sets what the change is measured against.',
    );
  });

  it('rounds the share down, never up to the level it missed, and caps the file list', () => {
    const result = {
      percent: 79.96,
      covered: 1999,
      total: 2500,
      passed: false,
      uncovered: Array.from({ length: 12 }, (_, index) => ({ file: `src/f${index}.ts`, ranges: '1' })),
    };
    const failure = changedLinesFailure(result, 80, 'first parent of HEAD (abc1234)', 10);
    expect(failure?.specific).toBe('changed lines 79.9 % covered, below the 80 % required (against first parent of HEAD (abc1234))');
    expect(failure?.details).toHaveLength(12);
    expect(failure?.details.at(-1)).toBe('  … and 2 more files');
    expect(failure?.locations).toHaveLength(10);
  });
});
