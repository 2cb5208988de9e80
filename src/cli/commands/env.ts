import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stopLocalResources } from '../../deploy/local/environment-resources.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome } from '../../shared/home.ts';
import { environmentStatus, teardown } from '../../deploy/local/runtime/index.ts';
import type { Command } from '../commands.ts';

/**
 * `slipway env status|down <env>`: what runs in a local environment, or stop all of it;
 * `slipway env down` alone stops every local environment of the home (a promotion starts several).
 */
export const envCommand: Command = async (input) => {
  const [action, environment] = input.args;
  const home = resolveHome(input.home);
  if (action === 'down') {
    for (const name of environment ? [environment] : await localEnvironments(home.environmentsDir)) {
      await teardown(home.environmentsDir, name);
      await stopLocalResources(join(home.environmentsDir, 'resources', name));
      process.stdout.write(`${name}: stopped\n`);
    }
    return 0;
  }
  if (!environment || action !== 'status') throw new Failure('usage: slipway env status <environment> | slipway env down [<environment>]');
  const status = await environmentStatus(home.environmentsDir, environment);
  if (!status) {
    process.stdout.write(`${environment}: nothing deployed\n`);
    return 0;
  }
  if (input.json) {
    process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${environment}: ${status.revision} at ${status.url}\n`);
  for (const service of status.services) process.stdout.write(`  ${service.name.padEnd(10)} ${service.alive ? 'running' : 'stopped'} pid ${service.pid} ${service.url} restarts ${service.restarts}\n`);
  for (const entry of status.history) process.stdout.write(`  history: ${entry.revision} ${entry.outcome} ${entry.at}\n`);
  return 0;
};

/** Every environment with something deployed or started in the home: its runtime state or its resources. */
async function localEnvironments(environmentsDir: string): Promise<string[]> {
  const names = await Promise.all(['envs', 'resources'].map((dir) => readdir(join(environmentsDir, dir)).catch(() => [] as string[])));
  return [...new Set(names.flat())].sort();
}
