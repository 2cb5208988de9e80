import { describe, expect, it } from 'vitest';
import type { Feedback } from '../../../shared/feedback/feedback.ts';
import { annotationsOf, commentBody, commentMarker, fitSummary, inBatches, progressOutput, statusDescription } from './feedback-plan.ts';

function failure(locations: Feedback['locations'], kind: Feedback['kind'] = 'failure'): Feedback {
  return {
    runId: 1,
    stage: 'unit',
    kind,
    message: 'Unit tests failed',
    specific: 'test failed',
    details: [],
    logExcerpt: [],
    artifacts: [],
    locations,
    at: '2026-12-03T12:00:00.000Z',
    exitCode: 1,
  };
}

describe('the check run plan', () => {
  it('annotates every location of every failure, a file without a line at its first', () => {
    const annotations = annotationsOf([
      failure([{ file: 'packages/a/src/a.test.ts', line: 12, title: 'adds', message: 'expected 3, got 4' }]),
      failure(
        [
          { file: 'packages/b/src/b.ts', line: 4, endLine: 9, message: 'uncovered lines 4-9' },
          { file: 'README.md', message: 'x' },
        ],
        'warning',
      ),
    ]);
    expect(annotations).toEqual([
      {
        path: 'packages/a/src/a.test.ts',
        start_line: 12,
        end_line: 12,
        annotation_level: 'failure',
        title: 'Unit tests failed: adds',
        message: 'expected 3, got 4',
      },
      {
        path: 'packages/b/src/b.ts',
        start_line: 4,
        end_line: 9,
        annotation_level: 'warning',
        title: 'Unit tests failed',
        message: 'uncovered lines 4-9',
      },
      { path: 'README.md', start_line: 1, end_line: 1, annotation_level: 'warning', title: 'Unit tests failed', message: 'x' },
    ]);
    expect(annotationsOf([failure(undefined)])).toEqual([]);
  });

  it('sends annotations 50 to a request, the rest in later ones', () => {
    const batches = inBatches(Array.from({ length: 120 }, (_, index) => index));
    expect(batches.map((batch) => batch.length)).toEqual([50, 50, 20]);
    expect(batches.flat()).toEqual(Array.from({ length: 120 }, (_, index) => index));
    expect(inBatches([])).toEqual([]);
  });

  it('keeps a summary within 65,535 characters, cut at a line, saying how much is left out and where it all is', () => {
    const line = 'x'.repeat(99);
    const long = Array.from({ length: 1000 }, () => line).join('\n');
    const fitted = fitSummary(long, 'in `slipway show 4`');
    expect(fitted.length).toBeLessThanOrEqual(65_535);
    expect(fitted).toMatch(/\n\n… \d+ more characters: the whole summary is in `slipway show 4`\.$/);
    const kept = fitted.slice(0, fitted.indexOf('\n\n…'));
    expect(kept.split('\n').every((keptLine) => keptLine === line)).toBe(true);
    expect(Number(/… (\d+) more/.exec(fitted)![1])).toBe(long.length - kept.length);
    expect(fitSummary('short', 'anywhere')).toBe('short');
  });

  it('puts the marker first in the pull-request comment, and keeps it within the limit', () => {
    const body = commentBody('y'.repeat(70_000), 'in `slipway show 4`');
    expect(body.startsWith(`${commentMarker}\n`)).toBe(true);
    expect(body.length).toBeLessThanOrEqual(65_535);
  });

  it('shows progress stage by stage, and a status description as one line of at most 140 characters', () => {
    const progress = progressOutput([
      { stage: 'deps', status: 'succeeded', summary: 'restored', durationMs: 1200 },
      { stage: 'unit', status: 'running' },
    ]);
    expect(progress).toEqual({ title: 'Running unit (1 stages done)', summary: '- ✅ **deps**: restored (1.2 s)\n- ⏳ **unit**' });
    expect(statusDescription(`Run #4 failed:\n${'z'.repeat(300)}`)).toMatch(/^Run #4 failed: z+…$/);
    expect(statusDescription('z'.repeat(300))).toHaveLength(140);
  });
});
