import { join } from 'node:path';
import { stopLocalResources } from '../../environments/local-resources.ts';
import { Failure } from '../../feedback/failure.ts';
import { resolveHome } from '../../home/home.ts';
import { environmentStatus, teardown } from '../../runtime/index.ts';
import type { Command } from '../commands.ts';

/** `slipway env status|down <env>`: what runs in a local environment, or stop all of it. */
export const envCommand: Command = async (input) => {
  const [action, environment] = input.args;
  if (!environment || (action !== 'status' && action !== 'down')) throw new Failure('usage: slipway env status|down <environment>');
  const home = resolveHome(input.home);
  if (action === 'down') {
    await teardown(home.environmentsDir, environment);
    await stopLocalResources(join(home.environmentsDir, 'resources', environment));
    process.stdout.write(`${environment}: stopped\n`);
    return 0;
  }
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
