import { appendFileSync, mkdirSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { feedbackFrom, type Feedback } from '../shared/feedback/feedback.ts';
import type { RunStore, StageStatus } from '../shared/state/run-store.ts';
import type { EventListener } from './events.ts';
import { nextStep, orderStages } from './graph.ts';
import { StageStopped, type EngineContext, type Stage } from './stage.ts';

export interface EngineRun<Ctx extends EngineContext> {
  store: RunStore;
  stages: Stage<Ctx>[];
  /** Everything a stage needs except its own output accessor, log, warnings and stop signal. */
  context: Omit<Ctx, 'output' | 'log' | 'warn' | 'signal' | 'failFast'>;
  listener: EventListener;
  /**
   * Stop at the first failure: the stages running then are stopped (recorded as stopped, not
   * failed) and no other stage starts. Default false: every stage that can run does.
   */
  failFast?: boolean;
}

/**
 * Runs stages as a graph. Stages already finished in the store are not run again (resume);
 * independent stages run together; a failure skips every stage that needs it and, failing fast,
 * stops the others. Returns the feedback of the failures, empty when every stage succeeded.
 */
export async function runStages<Ctx extends EngineContext>({
  store,
  stages,
  context,
  listener,
  failFast = false,
}: EngineRun<Ctx>): Promise<Feedback[]> {
  const runId = context.run.id;
  const byId = new Map(stages.map((stage) => [stage.id, stage]));
  // Needs outside this set (the CI half, when the release half runs) count as they are stored.
  const external = [...new Set(stages.flatMap((stage) => stage.needs))].filter((id) => !byId.has(id));
  orderStages([...stages, ...external.map((id) => ({ id, needs: [] }))]);
  const status = new Map<string, StageStatus>(external.map((id) => [id, store.stage(runId, id)?.status ?? 'skipped']));
  for (const stage of stages) {
    const stored = store.stage(runId, stage.id);
    // Only success is final: a stage that failed, was skipped or was cut off by a crash runs again.
    status.set(stage.id, stored?.status === 'succeeded' ? 'succeeded' : 'pending');
    if (stored?.status === 'succeeded') {
      listener({
        type: 'stage-end',
        runId,
        stage: stage.id,
        status: 'succeeded',
        summary: stored.summary ?? '',
        durationMs: 0,
        resumed: true,
      });
    }
  }
  const logDir = join(context.runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const failures: Feedback[] = [];
  const running = new Map<string, Promise<void>>();
  const stoppers = new Map<string, AbortController>();
  // Failing fast, the stage whose failure stops the rest.
  let stoppedBy: string | undefined;

  const output = <T>(id: string): T => {
    const stored = store.stage(runId, id);
    if (stored?.status !== 'succeeded') throw new Error(`output of stage ${id} requested but it has not succeeded`);
    return stored.outputs as T;
  };

  const execute = async (stage: Stage<Ctx>) => {
    const started = Date.now();
    const stopper = new AbortController();
    stoppers.set(stage.id, stopper);
    store.setStage(runId, stage.id, 'running');
    listener({ type: 'stage-start', runId, stage: stage.id, title: stage.title });
    const logFile = join(logDir, `${stage.id}.log`);
    const log = (line: string) => {
      // A tool's colour codes stay out of the log file and the events: they are read as plain text.
      const clean = stripVTControlCharacters(context.redactor.redact(line));
      appendFileSync(logFile, clean + '\n');
      listener({ type: 'stage-log', runId, stage: stage.id, line: clean });
    };
    const warn = (message: string) => {
      log(`warning: ${message}`);
      listener({ type: 'notice', runId, level: 'warning', message: context.redactor.redact(`${stage.id}: ${message}`) });
    };
    try {
      const result = await stage.run({ ...context, output, log, warn, signal: stopper.signal, failFast } as Ctx);
      const summary = context.redactor.redact(result.summary);
      store.setStage(runId, stage.id, 'succeeded', { summary, outputs: context.redactor.redactValue(result.outputs) });
      status.set(stage.id, 'succeeded');
      listener({ type: 'stage-end', runId, stage: stage.id, status: 'succeeded', summary, durationMs: Date.now() - started });
    } catch (error) {
      if (error instanceof StageStopped || stopper.signal.aborted) {
        // Whatever a stage the run stopped throws is the stop's doing, not a failure of its own.
        const reason = stopper.signal.aborted ? `stopped when ${stoppedBy} failed (fail-fast)` : (error as StageStopped).reason;
        const summary = context.redactor.redact(reason);
        store.setStage(runId, stage.id, 'skipped', { summary });
        status.set(stage.id, 'skipped');
        listener({ type: 'stage-end', runId, stage: stage.id, status: 'skipped', summary, durationMs: Date.now() - started });
        return;
      }
      const feedback = context.redactor.redactValue(feedbackFrom(error, { runId, stage: stage.id, message: stage.failure }));
      store.addFeedback(runId, stage.id, feedback);
      store.setStage(runId, stage.id, 'failed', { summary: feedback.specific });
      status.set(stage.id, 'failed');
      failures.push(feedback);
      if (failFast && !stoppedBy) {
        stoppedBy = stage.id;
        for (const [id, other] of stoppers) if (id !== stage.id) other.abort(new StageStopped(`stopped when ${stage.id} failed`));
      }
      listener({
        type: 'stage-end',
        runId,
        stage: stage.id,
        status: 'failed',
        summary: feedback.specific,
        durationMs: Date.now() - started,
      });
      listener({ type: 'feedback', runId, feedback });
    } finally {
      stoppers.delete(stage.id);
    }
  };

  for (;;) {
    const step = nextStep(stages, status);
    if (step.kind === 'done') break;
    if (step.kind === 'skip') {
      const summary = `not run: ${step.because} did not succeed`;
      store.setStage(runId, step.id, 'skipped', { summary });
      status.set(step.id, 'skipped');
      listener({ type: 'stage-end', runId, stage: step.id, status: 'skipped', summary, durationMs: 0 });
      continue;
    }
    if (step.kind === 'start' && stoppedBy) {
      for (const id of step.ids) {
        const summary = `not run: ${stoppedBy} failed (fail-fast)`;
        store.setStage(runId, id, 'skipped', { summary });
        status.set(id, 'skipped');
        listener({ type: 'stage-end', runId, stage: id, status: 'skipped', summary, durationMs: 0 });
      }
      continue;
    }
    if (step.kind === 'start') {
      for (const id of step.ids) {
        status.set(id, 'running');
        running.set(
          id,
          execute(byId.get(id)!).finally(() => running.delete(id)),
        );
      }
    }
    await Promise.race(running.values());
  }
  return failures;
}
