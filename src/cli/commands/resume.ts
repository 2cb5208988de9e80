import { resolveHome } from '../../shared/home.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { runPipeline } from '../../run/pipeline.ts';
import { RunStore } from '../../shared/state/run-store.ts';
import type { Command } from '../command.ts';
import { exitCodeFor, printOutcome } from '../outcome.ts';
import { terminalReporter } from '../reporter.ts';

/** `slipway resume <run>`: carries on a run that was killed or failed, without redoing finished stages. */
export const resumeCommand: Command = async (input) => {
  const id = Number(input.args[0]);
  if (!Number.isInteger(id)) throw new Failure('slipway resume needs a run number', { hint: 'see `slipway runs`' });
  const home = resolveHome(input.home);
  const store = new RunStore(home.stateDb);
  const run = store.getRun(id);
  store.close();
  if (!run) throw new Failure(`no run #${id} in ${home.root}`, { hint: 'see `slipway runs`' });
  // An approval's run carries its release on: "approve <env> <tag>".
  const promote = /^approve \S+ (\S+)$/.exec(run.trigger)?.[1];
  const scope = run.trigger === 'ci' ? 'checks' : promote ? 'promotion' : 'release';
  const outcome = await runPipeline({
    repoDir: run.repoDir,
    home,
    trigger: run.trigger,
    listener: terminalReporter({ verbose: !!input.verbose }),
    resumeRunId: id,
    scope,
    promote,
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};
