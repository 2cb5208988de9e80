import { resolve } from 'node:path';
import { resolveHome } from '../../shared/home.ts';
import { replayUnchangedChecks } from '../../run/unchanged-run.ts';
import { failFastOf, type Command } from '../command.ts';
import { terminalReporter } from '../reporter.ts';

/**
 * `slipway ci`: build and test the working tree with the caches, as a pull request check would.
 * When nothing changed since the last successful check, that run answers without loading the pipeline.
 */
export const ciCommand: Command = async (input) => {
  const failFast = failFastOf(input);
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const listener = terminalReporter({ verbose: !!input.verbose });
  const unchanged = await replayUnchangedChecks({ repoDir, home, trigger: 'ci', listener });
  // Loaded now, not with the command: its SQLite would otherwise load before git starts listing.
  const { exitCodeFor, printOutcome } = await import('../outcome.ts');
  if (unchanged.run) {
    printOutcome({ run: unchanged.run, failures: [], releaseHandedOff: false }, home);
    return 0;
  }

  const { runPipeline } = await import('../../run/pipeline.ts');

  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: 'ci',
    scope: 'checks',
    listener,
    checksInputs: unchanged.inputs,
    head: unchanged.head,
    failFast,
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};
