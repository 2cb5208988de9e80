import { demoCommand } from './commands/demo.ts';
import { envCommand } from './commands/env.ts';
import { resumeCommand } from './commands/resume.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand, showCommand } from './commands/history.ts';
import { serveCommand } from './commands/serve.ts';
import { setupCommand } from './commands/setup.ts';

export interface CommandInput {
  args: string[];
  fail?: string;
  home?: string;
  repo?: string;
  port?: string;
  webhook?: string;
  verbose?: boolean;
  json?: boolean;
}

export type Command = (input: CommandInput) => Promise<number>;

export const commands: Record<string, Command> = {
  demo: demoCommand,
  run: runCommand,
  resume: resumeCommand,
  runs: runsCommand,
  show: showCommand,
  serve: serveCommand,
  env: envCommand,
  setup: setupCommand,
};
