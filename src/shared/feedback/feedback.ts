import { stripVTControlCharacters } from 'node:util';
import { Failure, type FailureLocation } from './failure.ts';
import { exitCodeOf, hostFailureOf } from './host-failure.ts';

/** What the developer gets when a stage fails: the RFC's message and the specifics behind it. */
export interface Feedback {
  runId: number;
  stage: string;
  kind: 'failure' | 'warning';
  /** The RFC's words for this failure, e.g. "Unit tests failed". */
  message: string;
  /** The specific cause in one line. */
  specific: string;
  details: string[];
  logExcerpt: string[];
  hint?: string;
  artifacts: string[];
  /** The files and lines it points at (failing tests, uncovered lines), when known. */
  locations?: FailureLocation[];
  at: string;
  /** What the command exits with for it: 1 when the change failed, 2 when Slipway could not run. */
  exitCode: 1 | 2;
}

/**
 * Builds feedback from whatever a stage threw: a Failure carries specifics; a full disk, a
 * read-only or forbidden home, or a corrupt state database is "Slipway could not run", never the
 * stage's words about the change; anything else is a defect.
 */
export function feedbackFrom(error: unknown, context: { runId: number; stage: string; message: string }): Feedback {
  const host = hostFailureOf(error);
  const failure = host ?? error;
  const base = {
    runId: context.runId,
    stage: context.stage,
    kind: 'failure' as const,
    message: host ? 'Slipway could not run' : context.message,
    at: new Date().toISOString(),
    exitCode: host ? exitCodeOf(host) : (1 as const),
  };
  if (failure instanceof Failure) {
    // A tool's colours are terminal codes: feedback goes to files, PR comments and Slack as plain text.
    return {
      ...base,
      specific: stripVTControlCharacters(failure.specific),
      details: failure.details.map(stripVTControlCharacters),
      logExcerpt: failure.logExcerpt.map(stripVTControlCharacters),
      hint: failure.hint === undefined ? undefined : stripVTControlCharacters(failure.hint),
      artifacts: failure.artifacts,
      ...(failure.locations.length ? { locations: failure.locations } : {}),
    };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    ...base,
    specific: `unexpected error: ${err.message}`,
    details: [],
    logExcerpt: (err.stack ?? '').split('\n').slice(0, 8),
    hint: "This is a defect in Slipway or one of its adapters, not in your change; please report it with this run's `slipway show` output.",
    artifacts: [],
  };
}

/** One line: "Unit tests failed: 1 test failed in @embark/shared". */
export function headline(feedback: Pick<Feedback, 'message' | 'specific'>): string {
  return `${feedback.message}: ${feedback.specific}`;
}
