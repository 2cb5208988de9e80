import { resolve } from 'node:path';
import { resolveHome } from '../../shared/home.ts';
import { runPipeline } from '../../run/pipeline.ts';
import { terminalReporter } from '../reporter.ts';
import { exitCodeFor, printOutcome } from '../outcome.ts';
import { failFastOf, type Command } from '../command.ts';
import { Failure } from '../../shared/feedback/failure.ts';

/** `slipway run`: the pipeline on a repository at HEAD. */
export const runCommand: Command = async (input) => {
  const failFast = failFastOf(input);
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  let webhook: { url: string; secret: string } | undefined;
  if (input.webhook) {
    const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
    if (!secret)
      throw new Failure('--webhook needs SLIPWAY_WEBHOOK_SECRET', { hint: 'set the same secret for `slipway serve` and `slipway run`' });
    webhook = { url: input.webhook, secret };
  }
  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: 'manual',
    listener: terminalReporter({ verbose: !!input.verbose }),
    webhook,
    failFast,
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};
