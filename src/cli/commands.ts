import type { Command } from './command.ts';

/** Each command's module is loaded only when it runs, so a quick command does not load them all. */
export const commands: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  ci: async () => (await import('./commands/ci.ts')).ciCommand,
  why: async () => (await import('./commands/why.ts')).whyCommand,
  release: async () => (await import('./commands/release.ts')).releaseCommand,
  approve: async () => (await import('./commands/approve.ts')).approveCommand,
  rollback: async () => (await import('./commands/rollback.ts')).rollbackCommand,
  resume: async () => (await import('./commands/resume.ts')).resumeCommand,
  runs: async () => (await import('./commands/history.ts')).runsCommand,
  show: async () => (await import('./commands/history.ts')).showCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  k8s: async () => (await import('./commands/k8s.ts')).k8sCommand,
  env: async () => (await import('./commands/env.ts')).envCommand,
  setup: async () => (await import('./commands/setup.ts')).setupCommand,
  init: async () => (await import('./commands/init.ts')).initCommand,
};
