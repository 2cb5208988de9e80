/**
 * What a `slipway ci` run reported, read from the run's feedback.json (the path printed after
 * "summary:"), and whether a broken assertion's feedback names the test and its file:line.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { Feedback } from '../../src/shared/feedback/feedback.ts';
import type { StageRecord } from '../../src/shared/state/run-store.ts';

export interface SlipwayReport {
  /** Each stage's status, seconds and summary line, in run order. */
  stages: { stage: string; status: string; seconds?: number; summary?: string }[];
  feedback: Feedback[];
}

/** The run's reports, or undefined when the run printed no summary path (it did not start). */
export async function readSlipwayReport(output: string): Promise<SlipwayReport | undefined> {
  const summary = /summary: (\S+summary\.md)/.exec(stripVTControlCharacters(output))?.[1];
  if (!summary) return undefined;
  const text = await readFile(join(dirname(summary), 'feedback.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const report = JSON.parse(text) as { stages: StageRecord[]; feedback: Feedback[] };
  return {
    stages: report.stages.map((record) => ({
      stage: record.stage,
      status: record.status,
      seconds: record.startedAt && record.finishedAt ? (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000 : undefined,
      summary: record.summary,
    })),
    feedback: report.feedback,
  };
}

export interface FailureVerdict {
  /** The feedback's first line: "Unit tests failed: ...". */
  headline?: string;
  /** The test's name appears in the feedback. */
  namesTest: boolean;
  /**
   * Where file:line is: "location" (a structured location, shown as an annotation on a pull
   * request), "text" (only in the headline, details or log excerpt) or "missing".
   */
  fileLine: 'location' | 'text' | 'missing';
}

/** Whether the failure feedback names `test` and points at `file` on a line from the test's to its assertion's. */
export function judgeFailure(
  report: SlipwayReport | undefined,
  expected: { test: string; file: string; lines: { test: number; assertion: number } },
): FailureVerdict {
  const { test, assertion } = expected.lines;
  const onTheTest = (line: number | undefined) => line !== undefined && line >= test && line <= assertion;
  const failures = (report?.feedback ?? []).filter((item) => item.kind === 'failure');
  const texts = failures.flatMap((item) => [
    item.message,
    item.specific,
    ...item.details,
    ...item.logExcerpt,
    ...(item.locations ?? []).flatMap((location) => [location.title ?? '', location.message]),
  ]);
  const located = failures.some((item) =>
    (item.locations ?? []).some((location) => expected.file.endsWith(location.file) && onTheTest(location.line)),
  );
  // The runner may print the path relative to the package or to the repository: match its tail.
  const fileName = expected.file.split('/').slice(-2).join('/');
  const inText = texts.some((text) =>
    [...text.matchAll(new RegExp(`${fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`, 'g'))].some((match) =>
      onTheTest(Number(match[1])),
    ),
  );
  return {
    headline: failures[0] && `${failures[0].message}: ${failures[0].specific}`,
    namesTest: texts.some((text) => text.includes(expected.test)),
    fileLine: located ? 'location' : inText ? 'text' : 'missing',
  };
}
