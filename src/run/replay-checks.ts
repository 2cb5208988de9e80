import type { Config, NotifyConfig } from '../config/schema.ts';
import type { EventListener } from '../engine/events.ts';
import type { GitHead } from '../shared/git.ts';
import type { Home } from '../shared/home.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore, type RunRecord } from '../shared/state/run-store.ts';
import { startForgeFeedback } from './forge-feedback.ts';
import { pruneRuns } from './prune-runs.ts';
import { reportRun } from './report-run.ts';

/**
 * An unchanged check run answered from the earlier one (see unchanged-run.ts): recorded like any
 * other run, reported where that one was. Undefined when the earlier run cannot answer for it (it
 * did not succeed, or was of another directory).
 */
export async function recordReplay(opts: {
  repoDir: string;
  home: Home;
  trigger: string;
  listener: EventListener;
  head: GitHead;
  previousRunId: number;
  /** The earlier run's notify settings and forge, validated when it ran. */
  notify: NotifyConfig;
  forge: Config['forge'];
}): Promise<RunRecord | undefined> {
  const { repoDir, home, listener, head } = opts;
  const store = new RunStore(home.stateDb, 'normal');
  try {
    const previous = store.getRun(opts.previousRunId);
    if (previous?.status !== 'succeeded' || previous.repoDir !== repoDir) return undefined;
    const stages = store
      .stages(previous.id)
      // Says what was reused: the earlier run's own words would read as work done now ("2 built").
      .map((stage) => ({
        ...stage,
        summary: `unchanged since run #${previous.id}, nothing redone (run #${previous.id}: ${stage.summary ?? ''})`,
      }));
    // One commit for the whole run: it is recorded complete or not at all.
    const run = store.atomically(() => {
      const created = store.createRun({
        project: previous.project,
        repoDir,
        commit: head.commit,
        branch: head.branch || 'detached',
        trigger: opts.trigger,
      });
      for (const stage of stages) store.setStage(created.id, stage.stage, stage.status, { summary: stage.summary, outputs: stage.outputs });
      store.setRunStatus(created.id, 'succeeded');
      return created;
    });
    const redactor = new Redactor();
    // On GitHub the replayed run still gets its check run and status, on this (maybe new) commit.
    const forge = opts.forge;
    const github =
      forge.kind === 'github'
        ? startForgeFeedback({ open: () => openFeedback(forge, redactor), run, checkName: 'slipway ci', listener, redactor })
        : undefined;
    const tell = github?.listener ?? listener;
    for (const stage of stages) {
      tell({
        type: 'stage-end',
        runId: run.id,
        stage: stage.stage,
        status: stage.status === 'succeeded' ? 'succeeded' : 'skipped',
        summary: stage.summary ?? '',
        durationMs: 0,
      });
    }
    // What is reported was redacted when the earlier run stored it; the redactor takes Slack's URL.
    await reportRun({ store, runId: run.id, home, notify: opts.notify, redactor, listener, forge: github?.reporter });
    await pruneRuns(store, home, [opts.previousRunId]);
    return store.getRun(run.id);
  } finally {
    store.close();
  }
}

/** The forge's feedback channel, loaded only when a replayed run reports to GitHub. */
async function openFeedback(settings: Config['forge'], redactor: Redactor) {
  if (settings.kind !== 'github') throw new Error('a replayed run reports only to GitHub');
  const { openGitHubFeedback } = await import('../release/forge/open-forge.ts');
  return openGitHubFeedback(settings, process.env, (value) => redactor.add(value));
}
