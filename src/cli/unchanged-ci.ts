import { resolve } from 'node:path';
import type { EventListener } from '../engine/events.ts';
import { replayUnchangedChecks, type UnchangedCheck } from '../run/unchanged-run.ts';
import { createHome, resolveHome, type Home } from '../shared/home.ts';
import { parseCommandLine } from './arguments.ts';
import { terminalReporter } from './reporter.ts';

/**
 * The fast path of a plain `slipway ci`, the entry of a bundle of its own (bin/load-cli.js): an
 * unchanged run is answered from a few modules instead of the CLI's many, which is most of a
 * fully cached run's time. Anything else goes to `main`: undefined (not this command line, or
 * something went wrong, which `main` then meets again and reports), or the missed check's findings.
 */
export async function answerUnchangedCi(argv: string[]): Promise<{ exitCode: number } | { handoff: UnchangedCheck } | undefined> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (positionals.length !== 1 || positionals[0] !== 'ci' || values.help || values.shard !== undefined || values.merge) return undefined;
    const repoDir = resolve(values.repo ?? process.cwd());
    const home = resolveHome(values.home, repoDir);
    await createHome(home);
    const answer = await replayUnchangedCi(repoDir, home, terminalReporter({ verbose: values.verbose }));
    return 'exitCode' in answer ? answer : { handoff: answer };
  } catch {
    return undefined;
  }
}

/**
 * The unchanged-run shortcut of `slipway ci`: exit code 0 when the last successful check run
 * answers (it is printed), else what the check read, for the run that follows.
 */
export async function replayUnchangedCi(
  repoDir: string,
  home: Home,
  listener: EventListener,
): Promise<{ exitCode: number } | UnchangedCheck> {
  const { run, ...check } = await replayUnchangedChecks({ repoDir, home, trigger: 'ci', listener });
  if (!run) return check;
  // Loaded now, not with the command: its SQLite would otherwise load before git starts listing.
  const { printOutcome } = await import('./outcome.ts');
  printOutcome({ run, failures: [], releaseHandedOff: false }, home);
  return { exitCode: 0 };
}
