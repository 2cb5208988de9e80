import { resolve } from 'node:path';
import { Failure } from '../shared/feedback/failure.ts';
import { renderFeedback } from '../shared/feedback/sinks/terminal.ts';
import { feedbackFrom } from '../shared/feedback/feedback.ts';
import { hostFailureOf } from '../shared/feedback/host-failure.ts';
import { createHome, resolveHome } from '../shared/home.ts';
import { commands } from './commands.ts';
import { parseCommandLine } from './arguments.ts';
import type { UnchangedCheck } from '../run/unchanged-run.ts';
import { feedbackAnnotations, inGitHubActions } from '../shared/feedback/sinks/github-actions.ts';
import { actionsCommands } from './reporter.ts';

const usage = `slipway: from a merge on main to a deployed, verified, published release

Usage:
  slipway demo [--fail <kind>] [--home <dir>] [--verbose]   the whole pipeline on the embedded example
  slipway run [--repo <dir>] [--home <dir>] [--verbose]      the pipeline on a repository at HEAD (--fail-fast: stop at the first failure)
  slipway ci [--repo <dir>] [--home <dir>] [--verbose]       build and test only (a pull request's checks), from cache where unchanged;
                                                             stops at the first failure (--no-fail-fast runs every build and test);
                                                             --shard <i>/<n>: one part of them, on one runner of a matrix;
                                                             --merge: the shards' one verdict, coverage and check run
  slipway why <package> [--repo <dir>] [--json]              whether a package's build is cached, and if not which inputs changed
  slipway release <tag> [--repo <dir>] [--home <dir>]         the release half of a release the forge has (the workflow job after \`slipway run\`)
  slipway approve <env> <release> [--repo <dir>]             let a release through an environment's manual gate, then deploy it there
  slipway rollback <env> [--to <release>] [--reason <text>]  put back the release stable there before the one running, and withdraw that one
  slipway resume <run> [--home <dir>]                        carry on a killed or failed run; finished stages are not redone
  slipway runs [--home <dir>] [--json]                       recent runs
  slipway show <run> [--home <dir>] [--json]                 one run: stages, feedback, artifacts
  slipway serve [--port <n>] [--home <dir>]                  receive GitHub's signed webhooks and run release halves (needs SLIPWAY_WEBHOOK_SECRET),
                                                             and answer the read-only JSON API under /api/v1 on 127.0.0.1
                                                             (--dashboard-host <addr> --dashboard-port <n>; off loopback SLIPWAY_DASHBOARD_TOKEN)
  slipway k8s render --env <env> [--release <release.json>] --out <dir>
                                                             an environment's validated manifests and kustomization.yaml for a release
  slipway env status <env> | down [<env>] [--home <dir>]     a local environment: what runs, or stop it (all of them without <env>)
  slipway setup [tests]                                      install the host programs the demo (or the test suite) needs
  slipway init github [--release-half needs|dispatch] [--force]
                                                             write .github/workflows/slipway.yml and say what else to set up in GitHub

Fault kinds for demo --fail: unit, coverage, browser, image, push, integration, manifest, deploy, smoke`;

/** Commands that write nothing to a home. */
const homeless = new Set(['init', 'setup']);

/**
 * Runs one command. `unchangedCheck` is what the fast path of `slipway ci` (unchanged-ci.ts) found
 * before handing over: that check is not made twice.
 */
export async function main(argv: string[], unchangedCheck?: UnchangedCheck): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [name, ...rest] = positionals;
  const loadCommand = name ? commands[name] : undefined;
  if (values.help || !loadCommand) {
    process.stdout.write(usage + '\n');
    return values.help ? 0 : 2;
  }
  try {
    // Whatever a command writes to its home (a run, a config memo, `slipway why`'s records), the
    // home keeps itself out of the repository's git from its first file on.
    if (!homeless.has(name)) await createHome(resolveHome(values.home, values.repo && resolve(values.repo)));
    const command = await loadCommand();
    return await command({ args: rest, ...values, unchangedCheck });
  } catch (error) {
    // A full disk or an unwritable home is named with the home when the error does not say where.
    const failure = hostFailureOf(error, resolveHome(values.home, values.repo).root) ?? error;
    if (!(failure instanceof Failure)) throw error;
    const feedback = feedbackFrom(failure, { runId: 0, stage: name, message: `slipway ${name} failed` });
    process.stderr.write(renderFeedback(feedback) + '\n');
    if (inGitHubActions()) feedbackAnnotations(feedback).forEach(actionsCommands);
    return feedback.exitCode;
  }
}
