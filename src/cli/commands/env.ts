import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { configFileNames } from '../../config/read.ts';
import type { Config } from '../../config/schema.ts';
import { openDeployTarget } from '../../deploy/targets.ts';
import { ChildRecords } from '../../shared/child-records.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome, type Home } from '../../shared/home.ts';
import type { Command } from '../command.ts';

/**
 * `slipway env status|down <env>`: what runs in an environment, or take the release out of it,
 * through the environment's deploy target (its cluster when the repository's configuration gives
 * it one, else the local runtime). `slipway env down` alone stops every local environment of the
 * home (a promotion starts several); a cluster is only ever touched by name.
 */
export const envCommand: Command = async (input) => {
  const [action, environment] = input.args;
  if (action !== 'down' && (action !== 'status' || !environment))
    throw new Failure('usage: slipway env status <environment> | slipway env down [<environment>]');
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const config = await repositoryConfig(repoDir, home);
  const target = (name: string, known = config) =>
    openDeployTarget(name, { config: known, repoDir, environmentsDir: home.environmentsDir, addSecret: () => undefined });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (action === 'down') {
    for (const stopped of await new ChildRecords(home.childrenDir).stopOrphans()) say(`stopped ${stopped}`);
    // Without a name, only what runs locally: the configuration is not asked, so no cluster is chosen.
    const named = environment
      ? [{ name: environment, config }]
      : (await localEnvironments(home.environmentsDir)).map((name) => ({ name, config: undefined }));
    for (const { name, config: known } of named) {
      await (await target(name, known)).teardown((line) => say(`  ${line}`));
      say(`${name}: stopped`);
    }
    return 0;
  }
  const status = await (await target(environment)).status();
  if (!status) {
    say(`${environment}: nothing deployed`);
    return 0;
  }
  if (input.json) {
    say(JSON.stringify(status, null, 2));
    return 0;
  }
  say(`${environment}: ${status.revision} at ${status.url}`);
  for (const service of status.services) {
    say(
      `  ${service.name.padEnd(10)} ${service.alive ? 'running' : 'stopped'}${service.pid === undefined ? '' : ` pid ${service.pid}`} ${service.url} restarts ${service.restarts}`,
    );
  }
  for (const entry of status.history) say(`  history: ${entry.revision} ${entry.outcome} ${entry.at}`);
  return 0;
};

/** The repository's configuration when there is one: without it, every environment is local. */
async function repositoryConfig(repoDir: string, home: Home): Promise<Config | undefined> {
  if (!configFileNames.some((name) => existsSync(join(repoDir, name)))) return undefined;
  return (await loadConfig(repoDir, { cacheDir: home.cacheDir })).config;
}

/** Every environment with something deployed or started in the home: its runtime state or its resources. */
async function localEnvironments(environmentsDir: string): Promise<string[]> {
  const names = await Promise.all(['envs', 'resources'].map((dir) => readdir(join(environmentsDir, dir)).catch(() => [] as string[])));
  return [...new Set(names.flat())].sort();
}
