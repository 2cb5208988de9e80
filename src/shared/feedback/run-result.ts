import type { RunRecord, StageRecord } from '../state/run-store.ts';

/** What a run came to, in one line, for the terminal's closing line and the chat message. */
export interface RunResult {
  /** 'stopped': the run succeeded, but its release stopped short of publishing (a gate, a newer release). */
  outcome: 'failed' | 'succeeded' | 'stopped';
  line: string;
}

interface ReleaseFacts {
  project?: string;
  version?: string;
  tag?: string;
}

/**
 * "Published embark 1.5.0 (v1.5.0)", "Run #4: built and tested", "Run #7 failed: Unit tests
 * failed". `handoff`: what carries the release half on when it left this run (a `slipway serve`,
 * which may already be running it, or the workflow's next job), so the run's status cannot tell.
 */
export function runResult(run: RunRecord, stages: StageRecord[], failureMessages: string[], handoff?: string): RunResult {
  if (failureMessages.length) return { outcome: 'failed', line: `Run #${run.id} failed: ${failureMessages.join('; ')}` };
  if (run.trigger === 'ci') return { outcome: 'succeeded', line: `Run #${run.id}: built and tested` };
  const stage = (id: string) => stages.find((record) => record.stage === id);
  const release = (stage('release')?.outputs as { manifest?: ReleaseFacts } | undefined)?.manifest;
  const rollback = stage('rollback');
  if (rollback?.status === 'succeeded') return { outcome: 'succeeded', line: `Run #${run.id}: ${rollback.summary}` };
  if (handoff) return { outcome: 'succeeded', line: `Run #${run.id}: release ${release?.tag} created; ${handoff}` };
  if (stage('publish')?.status === 'succeeded')
    return { outcome: 'succeeded', line: `Published ${release?.project} ${release?.version} (${release?.tag})` };
  if (stage('promote')?.status === 'succeeded') return { outcome: 'succeeded', line: `Run #${run.id}: ${release?.tag} promoted` };
  const stopped = [stage('deploy'), stage('promote')].find(
    (record) => record?.status === 'skipped' && !record.summary?.startsWith('not run:'),
  );
  return { outcome: 'stopped', line: `Run #${run.id}: ${release?.tag} not published${stopped?.summary ? `: ${stopped.summary}` : ''}` };
}
