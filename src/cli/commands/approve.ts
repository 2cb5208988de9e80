import { resolve } from 'node:path';
import { loadConfig, requireReleaseTargets } from '../../config/load.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome } from '../../shared/home.ts';
import { runPipeline } from '../../run/pipeline.ts';
import { adoptForgeHistory, approve, PromotionStore, promotionStorePath } from '../../deploy/promotion/index.ts';
import { openGitHubFeedback } from '../../release/forge/open-forge.ts';
import type { Config } from '../../config/schema.ts';
import type { Command } from '../command.ts';
import { exitCodeFor, printOutcome } from '../outcome.ts';
import { terminalReporter } from '../reporter.ts';
import { repositoryOf } from '../release-repository.ts';

/**
 * `slipway approve <env> <release>`: lets a release through an environment's manual gate, then
 * carries it on: deployed, smoke tested and judged there, and further as the next gates allow.
 */
export const approveCommand: Command = async (input) => {
  const [environment, tag] = input.args;
  if (!environment || !tag)
    throw new Failure('slipway approve needs an environment and a release', { hint: 'e.g. slipway approve prod v1.2.0' });
  const home = resolveHome(input.home, input.repo && resolve(input.repo));
  const repoDir = input.repo ? resolve(input.repo) : (repositoryOf(home, tag) ?? process.cwd());
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  requireReleaseTargets(config);
  const store = new PromotionStore(promotionStorePath(home, config.project, repoDir));
  try {
    await adoptFromGitHub(store, config);
    const { approval, alreadyApproved } = approve(store, config.environments, environment, tag);
    process.stderr.write(
      `${tag} ${alreadyApproved ? 'was already approved' : 'approved'} for ${environment} by ${approval.by} at ${approval.at}\n`,
    );
  } finally {
    store.close();
  }
  const outcome = await runPipeline({
    repoDir,
    home,
    trigger: `approve ${environment} ${tag}`,
    scope: 'promotion',
    promote: tag,
    listener: terminalReporter({ verbose: !!input.verbose }),
  });
  printOutcome(outcome, home);
  return exitCodeFor(outcome);
};

/** On a fresh runner (an Actions job), what earlier jobs verified comes from GitHub's deployments. */
async function adoptFromGitHub(store: PromotionStore, config: Config): Promise<void> {
  if (config.forge.kind !== 'github') return;
  adoptForgeHistory(store, await openGitHubFeedback(config.forge, process.env, () => undefined).listDeployments());
}
