import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Feedback } from '../feedback.ts';
import {
  appendStepOutput,
  appendStepSummary,
  escapeCommandData,
  escapeCommandProperty,
  feedbackAnnotations,
  fitStepSummary,
  stepOutput,
  workflowCommand,
} from './github-actions.ts';

describe('workflow commands', () => {
  it("escape data and properties as GitHub's runner reads them back", () => {
    expect(escapeCommandData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeCommandProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b');
    // "%" first: an escape is never escaped twice, nor one faked by the text.
    expect(escapeCommandData('%0A')).toBe('%250A');
  });

  it('write properties in order, leaving out those not given', () => {
    expect(workflowCommand('error', { file: 'src/a.ts', line: 3, title: 'adds: 1, 2' }, 'expected 3\nreceived 4')).toBe(
      '::error file=src/a.ts,line=3,title=adds%3A 1%2C 2::expected 3%0Areceived 4',
    );
    expect(workflowCommand('warning', { title: undefined, file: '' }, 'cache unreachable')).toBe('::warning::cache unreachable');
  });
});

describe('feedbackAnnotations', () => {
  const feedback = (overrides: Partial<Feedback>): Feedback => ({
    runId: 1,
    stage: 'unit',
    kind: 'failure',
    message: 'Unit tests failed',
    specific: '2 tests failed in @embark/shared',
    details: [],
    logExcerpt: [],
    artifacts: [],
    at: '2026-01-01T00:00:00.000Z',
    exitCode: 1,
    ...overrides,
  });

  it('annotates every place a failure points at', () => {
    const lines = feedbackAnnotations(
      feedback({
        locations: [
          { file: 'packages/shared/src/format.test.ts', line: 12, title: 'format > pads', message: '"1" !== "01"' },
          { file: 'packages/shared/src/format.ts', line: 4, endLine: 9, message: 'uncovered lines: 4-9' },
        ],
      }),
    );
    expect(lines).toEqual([
      '::error file=packages/shared/src/format.test.ts,line=12,title=Unit tests failed%3A format > pads::"1" !== "01"',
      '::error file=packages/shared/src/format.ts,line=4,endLine=9,title=Unit tests failed::uncovered lines: 4-9',
    ]);
  });

  it('annotates a failure without a place, and a warning as a warning', () => {
    expect(feedbackAnnotations(feedback({}))).toEqual(['::error title=Unit tests failed::2 tests failed in @embark/shared']);
    expect(feedbackAnnotations(feedback({ kind: 'warning', message: 'Slow tests', specific: 'a, b' }))).toEqual([
      '::warning title=Slow tests::a, b',
    ]);
  });
});

describe('the step summary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-summary-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is appended to what the step wrote before, and the file is created when there is none', async () => {
    const earlier = join(dir, 'earlier.md');
    await writeFile(earlier, '# Build\nno final newline');
    expect(await appendStepSummary(earlier, '## Slipway run #1: failed\n', 'in summary.md')).toBe(true);
    expect(await readFile(earlier, 'utf8')).toBe('# Build\nno final newline\n## Slipway run #1: failed\n');
    const fresh = join(dir, 'fresh.md');
    expect(await appendStepSummary(fresh, '## Slipway run #2: succeeded\n', 'in summary.md')).toBe(true);
    expect(await readFile(fresh, 'utf8')).toBe('## Slipway run #2: succeeded\n');
  });

  it("is cut at GitHub's 1 MiB limit on a line, closing an open code block, with a note of what is left out", async () => {
    const path = join(dir, 'step.md');
    await writeFile(path, 'x'.repeat(1024 * 1024 - 2000) + '\n');
    const markdown = ['## Slipway run #3: failed', '```', ...Array.from({ length: 400 }, (_, i) => `log line ${i} é`), '```', ''].join(
      '\n',
    );
    expect(await appendStepSummary(path, markdown, 'in /home/runs/3/summary.md')).toBe(true);
    const written = await readFile(path);
    expect(written.length).toBeLessThanOrEqual(1024 * 1024);
    const added = written.subarray(1024 * 1024 - 2000 + 1).toString('utf8');
    expect(added.startsWith('\n## Slipway run #3: failed\n```\nlog line 0 é\n')).toBe(true);
    expect(added).toMatch(
      /\nlog line \d+ é\n```\n\n> Summary truncated at GitHub's limit of 1048576 bytes: \d+ more bytes; the full summary is in \/home\/runs\/3\/summary\.md\.\n$/,
    );
    expect(added).not.toContain('\uFFFD');
  });

  it('adds nothing to a summary already at the limit, and says so', async () => {
    const path = join(dir, 'full.md');
    await writeFile(path, 'x'.repeat(1024 * 1024 - 10));
    expect(await appendStepSummary(path, '## Slipway run #4: failed\n'.repeat(10), 'in summary.md')).toBe(false);
    expect((await readFile(path)).length).toBe(1024 * 1024 - 10);
  });

  it('is taken whole when it fits exactly', () => {
    expect(fitStepSummary('abc\n', 96, 'there', 100)).toBe('abc\n');
    expect(fitStepSummary('abcd\n', 96, 'there', 100)).toBeUndefined();
  });
});

describe('step outputs', () => {
  it('are name=value lines, or the heredoc form for a value with line breaks', async () => {
    expect(stepOutput('tag', 'v1.5.0', 'ghadelimiter_1')).toBe('tag=v1.5.0\n');
    expect(stepOutput('notes', 'a\nb', 'ghadelimiter_1')).toBe('notes<<ghadelimiter_1\na\nb\nghadelimiter_1\n');
    expect(() => stepOutput('notes', 'a\nghadelimiter_1', 'ghadelimiter_1')).toThrow(/contains its delimiter/);
    expect(() => stepOutput('bad name', 'x', 'd')).toThrow(/not a valid step output name/);
  });

  it('are appended to the output file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-output-'));
    const path = join(dir, 'output');
    await writeFile(path, 'earlier=1\n');
    await appendStepOutput(path, 'tag', 'v1.5.0');
    expect(await readFile(path, 'utf8')).toBe('earlier=1\ntag=v1.5.0\n');
    await rm(dir, { recursive: true, force: true });
  });
});
