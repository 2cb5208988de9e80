import { Failure } from './failure.ts';

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
  at: string;
}

/** Builds feedback from whatever a stage threw: a Failure carries specifics, anything else is a defect. */
export function feedbackFrom(error: unknown, context: { runId: number; stage: string; message: string }): Feedback {
  const base = {
    runId: context.runId,
    stage: context.stage,
    kind: 'failure' as const,
    message: context.message,
    at: new Date().toISOString(),
  };
  if (error instanceof Failure) {
    return {
      ...base,
      specific: error.specific,
      details: error.details,
      logExcerpt: error.logExcerpt,
      hint: error.hint,
      artifacts: error.artifacts,
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
