import type { ApiRun, ApiRunDetail, ApiStage } from './model.ts';

/** How often a streamed run is read again: the run is written by another process, into SQLite. */
export const streamIntervalMs = 500;

/** A stage's state as the stream compares it: a change of any of these is sent. */
function stageState(stage: ApiStage): string {
  return JSON.stringify([stage.status, stage.startedAt, stage.finishedAt, stage.summary]);
}

/** The stages whose state is not the one last sent; `sent` is brought up to date. */
export function changedStages(sent: Map<string, string>, stages: readonly ApiStage[]): ApiStage[] {
  return stages.filter((stage) => {
    const state = stageState(stage);
    if (sent.get(stage.stage) === state) return false;
    sent.set(stage.stage, state);
    return true;
  });
}

export type SendEvent = (event: 'run' | 'stage' | 'end', data: ApiRunDetail | ApiStage | ApiRun) => void;

/**
 * Streams a run: the run as it stands, then each stage change and each change of the run's status
 * as they are stored, and `end` once the run no longer runs (or the run was pruned away).
 */
export async function streamRun(read: () => Promise<ApiRunDetail | undefined>, send: SendEvent, signal: AbortSignal): Promise<void> {
  let detail = await read();
  if (!detail) return;
  const sent = new Map<string, string>();
  changedStages(sent, detail.stages);
  send('run', detail);
  while (detail.run.status === 'running' && !signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, streamIntervalMs);
      signal.addEventListener('abort', () => resolve(clearTimeout(timer)), { once: true });
    });
    if (signal.aborted) return;
    const next = await read();
    if (!next) break;
    for (const stage of changedStages(sent, next.stages)) send('stage', stage);
    if (next.run.status !== detail.run.status) send('run', next);
    detail = next;
  }
  if (!signal.aborted) send('end', detail.run);
}
