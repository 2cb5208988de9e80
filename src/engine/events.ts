import type { Feedback } from '../shared/feedback/feedback.ts';

/** What the engine tells its listeners (the terminal, the JSON stream, tests). */
export type PipelineEvent =
  | { type: 'stage-start'; runId: number; stage: string; title: string }
  | { type: 'stage-log'; runId: number; stage: string; line: string }
  | {
      type: 'stage-end';
      runId: number;
      stage: string;
      status: 'succeeded' | 'failed' | 'skipped';
      summary: string;
      durationMs: number;
      resumed?: boolean;
    }
  | { type: 'feedback'; runId: number; feedback: Feedback }
  /** Something the developer should know that does not fail the run (an unreachable remote cache). */
  | { type: 'notice'; runId: number; level: 'info' | 'warning'; message: string };

export type EventListener = (event: PipelineEvent) => void;
