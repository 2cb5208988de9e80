import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { configFileNames } from '../../config/read.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { bold, dim } from '../../shared/feedback/sinks/terminal.ts';
import { githubSetup } from '../../run/init/github-setup.ts';
import { planGitHubWiring, type GitHubWiring } from '../../run/init/github-wiring.ts';
import { workflowFileText, workflowPath } from '../../run/init/github-workflow.ts';
import { readRepositoryFacts } from '../../run/init/repository-facts.ts';
import { writeGeneratedFile, type WriteOutcome } from '../../run/init/write-generated-file.ts';
import { planStarterConfig } from '../../run/init/starter-config.ts';

const configFileName = 'slipway.config.ts';
import type { Command } from '../command.ts';

const out = (line: string) => process.stdout.write(line + '\n');

const usage =
  'slipway init config [--force] (the configuration), or slipway init github [--release-half needs|dispatch] [--force] (the workflow)';

/**
 * `slipway init config [--force]`: writes slipway.config.ts, carrying over turbo.json's settings.
 * `slipway init github [--release-half needs|dispatch] [--force]`: writes the GitHub Actions
 * workflow for the repository's configuration, then says what else to set up in GitHub.
 */
export const initCommand: Command = async (input) => {
  const [target] = input.args;
  const repoDir = resolve(input.repo ?? process.cwd());
  if (target === 'config') return initConfig(repoDir, !!input.force);
  if (target !== 'github') throw new Failure(target ? `slipway init knows no "${target}"` : 'slipway init needs a target', { hint: usage });
  // Without a configuration the workflow is still useful: pull requests and releases with defaults.
  const hasConfig = configFileNames.some((name) => existsSync(join(repoDir, name)));
  const loaded = hasConfig ? await loadConfig(repoDir) : undefined;
  const configFile = loaded && basename(loaded.file);
  const facts = await readRepositoryFacts(repoDir, loaded?.config);
  const wiring = planGitHubWiring({ config: loaded?.config, configFile, facts, releaseHalf: input['release-half'] });
  const { outcome } = await writeGeneratedFile(repoDir, workflowPath, workflowFileText(wiring, configFile), {
    force: !!input.force,
    command: 'slipway init github',
  });
  out(`${bold(workflowPath)} ${describeOutcome(outcome)}: ${summary(wiring)}`);
  for (const section of githubSetup(wiring)) {
    out('');
    out(bold(section.title));
    for (const item of section.items) out(`  - ${item}`);
  }
  out('');
  out(dim(`Then commit ${workflowPath} and open a pull request with it into ${wiring.mainBranch}: its ci job is the first check.`));
  return 0;
};

async function initConfig(repoDir: string, force: boolean): Promise<number> {
  const other = configFileNames.find((name) => name !== configFileName && existsSync(join(repoDir, name)));
  if (other)
    throw new Failure(
      `${other} is already this repository's configuration; slipway init config writes ${configFileName} and left both alone`,
      {
        hint: `edit ${other}, or remove it and run slipway init config again`,
      },
    );
  const { text, fromTurbo } = await planStarterConfig(repoDir);
  const { outcome } = await writeGeneratedFile(repoDir, configFileName, text, { force, command: 'slipway init config' });
  out(`${bold(configFileName)} ${describeOutcome(outcome)}${fromTurbo ? ', carrying over turbo.json' : ''}`);
  if (fromTurbo?.notes.length) {
    out('');
    out(bold('Not carried over from turbo.json (also noted in the file):'));
    for (const note of fromTurbo.notes) out(`  - ${note}`);
  }
  out('');
  out(dim(`Then try it: npx slipway ci (the Slipway home, .slipway/, ignores itself)`));
  return 0;
}

function describeOutcome(outcome: WriteOutcome): string {
  return { created: 'written', replaced: 'replaced (--force)', unchanged: 'unchanged (already as generated)' }[outcome];
}

function summary(wiring: GitHubWiring): string {
  const chain = wiring.releaseHalf === 'needs' ? 'in the same run (needs)' : `on a repository_dispatch event`;
  const approve =
    wiring.manualEnvironments === undefined || wiring.manualEnvironments.length
      ? `; promotions through manual gates from Actions > Slipway > Run workflow${wiring.manualEnvironments ? ` (${wiring.manualEnvironments.join(', ')})` : ''}`
      : '';
  const rollback = wiring.environments === undefined || wiring.environments.length ? '; rollbacks from the same form' : '';
  return `pull requests run slipway ci; pushes to ${wiring.mainBranch} run slipway run, then slipway release ${chain}${approve}${rollback}`;
}
