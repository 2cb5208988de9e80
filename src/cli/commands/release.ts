import { resolve } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome } from '../../shared/home.ts';
import { runPipeline } from '../../run/pipeline.ts';
import type { Command } from '../command.ts';
import { exitCodeFor, printOutcome } from '../outcome.ts';
import { terminalReporter } from '../reporter.ts';

/**
 * `slipway release <tag>`: the release half (integration tests through publish) of a release the
 * forge has, from the release manifest attached to it: what a workflow's next job, or a
 * `repository_dispatch` workflow, runs after `slipway run` made the draft release. Nothing is rebuilt.
 */
export const releaseCommand: Command = async (input) => {
  const [tag] = input.args;
  if (!tag)
    throw new Failure('slipway release needs the release to carry on', {
      hint: 'e.g. slipway release v1.2.0 (the tag `slipway run` wrote)',
    });
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: `release ${tag}`,
    scope: 'release-half',
    promote: tag,
    listener: terminalReporter({ verbose: !!input.verbose }),
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};
