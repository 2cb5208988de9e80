import { Failure } from '../../shared/feedback/failure.ts';
import type { Feedback } from '../../shared/feedback/feedback.ts';
import { renderFeedback, dim } from '../../shared/feedback/sinks/terminal.ts';
import { resolveHome } from '../../shared/home.ts';
import { RunStore } from '../../shared/state/run-store.ts';
import type { Command } from '../command.ts';

const out = (line: string) => process.stdout.write(line + '\n');

/** `slipway runs`: the recent runs, newest first. */
export const runsCommand: Command = async (input) => {
  const store = new RunStore(resolveHome(input.home).stateDb);
  try {
    const runs = store.listRuns();
    if (input.json) out(JSON.stringify(runs, null, 2));
    else if (!runs.length) out('no runs yet: try `slipway demo`');
    else {
      for (const run of runs)
        out(
          `#${String(run.id).padEnd(4)} ${run.status.padEnd(11)} ${run.project.padEnd(12)} ${run.branch}@${run.commit.slice(0, 10)}  ${run.startedAt}  ${dim(run.trigger)}`,
        );
      const interrupted = runs.find((run) => run.status === 'interrupted');
      if (interrupted) out(dim(`interrupted runs stopped before they finished: \`slipway resume ${interrupted.id}\` carries one on`));
    }
    return 0;
  } finally {
    store.close();
  }
};

/** `slipway show <run>`: the stages of one run, their timing, and its feedback. */
export const showCommand: Command = async (input) => {
  const id = Number(input.args[0]);
  if (!Number.isInteger(id)) throw new Failure('slipway show needs a run number', { hint: 'see `slipway runs`' });
  const store = new RunStore(resolveHome(input.home).stateDb);
  try {
    const run = store.getRun(id);
    if (!run) throw new Failure(`no run #${id}`, { hint: 'see `slipway runs`' });
    const stages = store.stages(id);
    const feedback = store.feedback<Feedback>(id);
    if (input.json) {
      out(JSON.stringify({ run, stages, feedback }, null, 2));
      return 0;
    }
    out(`Run #${run.id} ${run.status}: ${run.project} ${run.branch}@${run.commit.slice(0, 12)} (${run.trigger}, started ${run.startedAt})`);
    if (run.status === 'interrupted')
      out(dim(`  the process running it stopped before it finished: \`slipway resume ${run.id}\` carries it on`));
    for (const stage of stages) {
      const seconds =
        stage.startedAt && stage.finishedAt ? `${((Date.parse(stage.finishedAt) - Date.parse(stage.startedAt)) / 1000).toFixed(1)}s` : '';
      out(`  ${stage.status.padEnd(9)} ${stage.stage.padEnd(11)} ${stage.summary ?? ''} ${dim(seconds)}`);
    }
    for (const item of feedback) out('\n' + renderFeedback(item));
    return 0;
  } finally {
    store.close();
  }
};
