import { demoPrograms, ensureHostPrograms, testPrograms } from '../../demo/preflight.ts';
import type { Command } from '../command.ts';

/**
 * `slipway setup [tests]`: installs the host programs the embedded default needs (as root on
 * Debian), or says what to install; with `tests`, also those Slipway's own test suite uses.
 */
export const setupCommand: Command = async (input) => {
  const programs = input.args[0] === 'tests' ? testPrograms : demoPrograms;
  await ensureHostPrograms(programs, (line) => process.stderr.write(line + '\n'));
  process.stdout.write(`host programs ready: ${programs.map((program) => program.path).join(', ')}\n`);
  return 0;
};
