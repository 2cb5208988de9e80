import { resolve } from 'node:path';
import { resolveHome } from '../../shared/home.ts';
import { replayUnchangedCi } from '../unchanged-ci.ts';
import { failFastOf, type Command, type CommandInput } from '../command.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import type { EventListener } from '../../engine/events.ts';
import type { Home } from '../../shared/home.ts';
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
  if (input.shard !== undefined || input.merge) return shardedCi(input, repoDir, home, listener, failFast);
  const unchanged = input.unchangedCheck ?? (await replayUnchangedCi(repoDir, home, listener));
  if ('exitCode' in unchanged) return unchanged.exitCode;

  const [{ exitCodeFor, printOutcome }, { runPipeline }] = await Promise.all([import('../outcome.ts'), import('../../run/pipeline.ts')]);
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

/**
 * `--shard <i>/<n>` (one runner's part, recorded for the merge) or `--merge` (the fan-in). Neither
 * takes the unchanged-run shortcut: every shard leaves its record, and the merge reads them.
 */
async function shardedCi(input: CommandInput, repoDir: string, home: Home, listener: EventListener, failFast?: boolean): Promise<number> {
  if (input.shard !== undefined && input.merge)
    throw new Failure('--shard and --merge were both given', { hint: 'each shard runs --shard <i>/<n>; the fan-in job runs --merge' });
  const [{ exitCodeFor, printOutcome }, { parseShardSpec }] = await Promise.all([
    import('../outcome.ts'),
    import('../../build/shard/spec.ts'),
  ]);
  if (input.merge) {
    const { mergeShards } = await import('../../run/shard-merge.ts');
    const outcome = await mergeShards({ repoDir, home, listener });
    printOutcome(outcome, home);
    return exitCodeFor(outcome);
  }
  const shard = parseShardSpec(input.shard ?? '');
  const { runPipeline } = await import('../../run/pipeline.ts');
  const outcome = await runPipeline({ repoDir, home, trigger: 'ci', scope: 'checks', listener, failFast, shard });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
}
