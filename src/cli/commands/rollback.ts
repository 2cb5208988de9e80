import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome } from '../../shared/home.ts';
import { runPipeline } from '../../run/pipeline.ts';
import type { Command } from '../command.ts';
import { exitCodeFor, printOutcome } from '../outcome.ts';
import { repositoryOf } from '../release-repository.ts';
import { terminalReporter } from '../reporter.ts';

/** What the rollback records as its reason when none is given: the summary says so. */
const noReason = 'no reason given';

/**
 * `slipway rollback <env> [--to <release>] [--reason <text>]`: puts back the release that was
 * stable in the environment before the one running there (or the named one), by its digests, and
 * withdraws the bad one. The environment's promotion records (and, on GitHub, its deployments, read
 * on a fresh runner) decide what goes back.
 */
export const rollbackCommand: Command = async (input) => {
  const [environment, extra] = input.args;
  if (!environment || extra !== undefined) {
    throw new Failure('slipway rollback needs one environment', {
      details: extra !== undefined ? [`also given: ${input.args.slice(1).join(' ')}`] : [],
      hint: 'e.g. slipway rollback prod --reason "checkout answers 500" (add --to v1.2.0 to name the release to go back to)',
    });
  }
  const home = resolveHome(input.home, input.repo && resolve(input.repo));
  const repoDir = input.repo ? resolve(input.repo) : (repositoryOf(home, input.to) ?? process.cwd());
  const reason = input.reason?.trim() || noReason;
  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: `rollback ${environment}${input.to ? ` --to ${input.to}` : ''}`,
    scope: 'rollback',
    rollback: { environment, to: input.to, reason, by: process.env.GITHUB_ACTOR ?? process.env.USER ?? userInfo().username },
    listener: terminalReporter({ verbose: !!input.verbose }),
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};
