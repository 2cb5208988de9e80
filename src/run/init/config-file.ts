import type { TasksFromTurbo } from './turbo-config.ts';

/** PURE: a project name the configuration accepts, from the root package's name or the directory's. */
export function projectNameOf(packageName: string | undefined, dirName: string): string {
  for (const candidate of [packageName, dirName]) {
    const name = (candidate ?? '')
      .replace(/^@[^/]+\//, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '');
    if (name) return name;
  }
  return 'app';
}

/**
 * PURE: the text of slipway.config.ts: only `project` when nothing else is needed, else the
 * settings carried over from turbo.json, with what was not carried over as comments above them.
 */
export function configFileText(project: string, fromTurbo: TasksFromTurbo | undefined): string {
  const config: Record<string, unknown> = { project };
  if (fromTurbo && Object.keys(fromTurbo.tasks).length) config.tasks = fromTurbo.tasks;
  if (fromTurbo && Object.keys(fromTurbo.packages).length) config.packages = fromTurbo.packages;
  const header = fromTurbo
    ? [
        '// Written by `slipway init config` from turbo.json.',
        ...(fromTurbo.notes.length ? ['// Not carried over:', ...fromTurbo.notes.map((note) => `// - ${note}`)] : []),
      ]
    : ['// Written by `slipway init config`: Slipway infers the rest (see "Use it on your repository" in its README).'];
  return [
    "import { defineConfig } from 'slipway';",
    '',
    ...header,
    `export default defineConfig(${JSON.stringify(config, null, 2)});`,
    '',
  ].join('\n');
}
