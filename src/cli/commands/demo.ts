import { join } from 'node:path';
import { prepareDemoRepo } from '../../demo/demo-repo.ts';
import { faultKinds, type FaultKind } from '../../demo/faults.ts';
import { demoPrograms, ensureHostPrograms } from '../../demo/preflight.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { yellow } from '../../shared/feedback/sinks/terminal.ts';
import { resolveHome } from '../../shared/home.ts';
import { runPipeline } from '../../run/pipeline.ts';
import type { Command } from '../command.ts';
import { exitCodeFor, printOutcome, reachedEnvironment } from '../outcome.ts';
import { terminalReporter } from '../reporter.ts';

/**
 * `slipway demo`: copies the example monorepo into a new git repository, merges a change to main
 * and runs the whole pipeline on it, with every real component of the embedded default.
 */
export const demoCommand: Command = async (input) => {
  const fault = input.fail as FaultKind | undefined;
  if (fault !== undefined && !faultKinds.includes(fault)) {
    throw new Failure(`unknown fault kind "${fault}"`, { hint: `use one of: ${faultKinds.join(', ')}` });
  }
  const home = resolveHome(input.home);
  await ensureHostPrograms(demoPrograms, (line) => process.stderr.write(line + '\n'));
  const { repoDir, faultDescription } = await prepareDemoRepo({ parentDir: join(home.root, 'demo'), fault });
  process.stderr.write(`slipway demo: merged feature/notes-search to main in ${repoDir}\n`);
  if (faultDescription) process.stderr.write(yellow(`injected fault (${fault}): ${faultDescription}`) + '\n');
  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: 'push to main (demo)',
    listener: terminalReporter({ verbose: !!input.verbose }),
    registryReadOnly: fault === 'push',
  });
  printOutcome(outcome, home);
  const reached = outcome.failures.length === 0 ? reachedEnvironment(outcome.run.id, home) : undefined;
  // Not a fault of the demo: what to do once a release that passed every check misbehaves.
  if (reached) {
    const where = input.home ? ` --home ${input.home}` : '';
    process.stdout.write(`  roll back ${reached}: slipway rollback ${reached} --reason "<why>"${where}\n`);
  }
  return exitCodeFor(outcome);
};
