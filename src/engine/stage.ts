import type { Config } from '../config/schema.ts';
import type { Redactor } from '../shared/redactor.ts';
import type { RunRecord } from '../shared/state/run-store.ts';
import type { Home } from '../shared/home.ts';
import type { RunServices } from '../run/services.ts';

/** Which half of the pipeline a stage belongs to: CI runs on the merge, release on the webhook. */
export type Phase = 'ci' | 'release';

export interface StageContext {
  run: RunRecord;
  config: Config;
  repoDir: string;
  home: Home;
  /** This run's directory for logs and artifacts. */
  runDir: string;
  /** Outputs of a stage this one needs (stored, so they survive a resume). */
  output<T>(stage: string): T;
  /** A line for this stage's log (redacted, stored, streamed with --verbose). */
  log(line: string): void;
  redactor: Redactor;
  services: RunServices;
}

export interface StageResult<Out = unknown> {
  /** One line for the terminal and the summary: "3 packages, 2 from cache". */
  summary: string;
  outputs: Out;
}

/** A pipeline stage: a plug-in with one uniform shape. */
export interface Stage<Out = unknown> {
  id: string;
  title: string;
  phase: Phase;
  /** Stages whose success this one needs. */
  needs: string[];
  /** The RFC's words when this stage fails. */
  failure: string;
  run(ctx: StageContext): Promise<StageResult<Out>>;
}

/**
 * Thrown by a stage that ends the run's way forward without anything being wrong: a release
 * superseded by a newer one, or one waiting for an approval. The stage is recorded as skipped
 * with the reason, the stages that need it are skipped, and no failure is reported.
 */
export class StageStopped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StageStopped';
  }
}
