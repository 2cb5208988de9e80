import type { Redactor } from '../shared/redactor.ts';

/**
 * What the engine gives every stage, whatever the pipeline: the run it belongs to, its directory,
 * the redactor every line passes through, a log, and the outputs of the stages it needs. A
 * pipeline extends it with what its own stages share (see stages/context.ts).
 */
export interface EngineContext {
  run: { id: number };
  /** This run's directory for logs and artifacts. */
  runDir: string;
  redactor: Redactor;
  /** Outputs of a stage this one needs (stored, so they survive a resume). */
  output<T>(stage: string): T;
  /** A line for this stage's log (redacted, stored, streamed with --verbose). */
  log(line: string): void;
  /** Something the developer should know that does not fail the stage: logged, and shown as a warning. */
  warn(message: string): void;
  /**
   * Aborted when the run stops this stage because another one failed (fail-fast): passed to the
   * processes the stage starts, so they stop too. What the stage does after it is not a failure.
   */
  signal: AbortSignal;
  /** Whether the run stops at its first failure: a stage then stops its own other tasks at the first that fails. */
  failFast: boolean;
}

export interface StageResult<Out = unknown> {
  /** One line for the terminal and the summary: "3 packages, 2 from cache". */
  summary: string;
  outputs: Out;
}

/** A stage: a plug-in with one uniform shape, run by the engine with the context `Ctx`. */
export interface Stage<Ctx extends EngineContext = EngineContext, Out = unknown> {
  id: string;
  title: string;
  /** Stages whose success this one needs. */
  needs: string[];
  /** The words the developer reads when this stage fails. */
  failure: string;
  run(ctx: Ctx): Promise<StageResult<Out>>;
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
