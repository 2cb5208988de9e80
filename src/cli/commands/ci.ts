import { resolve } from 'node:path';
import { resolveHome } from '../../home/home.ts';
import { runPipeline } from '../../pipeline/pipeline.ts';
import type { Command } from '../commands.ts';
import { printOutcome } from '../outcome.ts';
import { terminalReporter } from '../reporter.ts';

/** `slipway ci`: build and test the working tree with the caches, as a pull request check would. */
export const ciCommand: Command = async (input) => {
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const outcome = await runPipeline({ repoDir, home, trigger: 'ci', scope: 'checks', listener: terminalReporter({ verbose: !!input.verbose }) });
  printOutcome(outcome, home);
  return outcome.failures.length ? 1 : 0;
};
