import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { discoverWorkspace, parseTurboJson } from '../../build/workspace/index.ts';
import { defaultGlobalInputs } from '../../config/schema.ts';
import { readManifestFile } from '../../shared/json-files.ts';
import { configFileText, projectNameOf } from './config-file.ts';
import { tasksFromTurbo, type TasksFromTurbo, type TurboFile } from './turbo-config.ts';

/** The starter configuration for a repository: its project name, and its turbo.json's settings when it has one. */
export async function planStarterConfig(repoDir: string): Promise<{ text: string; fromTurbo?: TasksFromTurbo }> {
  const manifest = await readManifestFile(join(repoDir, 'package.json'));
  const project = projectNameOf(typeof manifest.name === 'string' ? manifest.name : undefined, basename(repoDir));
  const root = await turboFile(join(repoDir, 'turbo.json'), 'turbo.json');
  if (!root) return { text: configFileText(project, undefined) };
  const workspace = await discoverWorkspace(repoDir);
  const packageFiles = (
    await Promise.all(
      workspace.packages
        .filter((pkg) => pkg.relDir !== '.')
        .map(async (pkg) => {
          const file = await turboFile(join(pkg.dir, 'turbo.json'), `${pkg.relDir}/turbo.json`);
          return file && { ...file, packageName: pkg.name };
        }),
    )
  ).filter((file) => file !== undefined);
  const fromTurbo = tasksFromTurbo(root, packageFiles, { packageNames: workspace.packages.map((pkg) => pkg.name), defaultGlobalInputs });
  return { text: configFileText(project, fromTurbo), fromTurbo };
}

async function turboFile(path: string, relPath: string): Promise<TurboFile | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : { path: relPath, json: await parseTurboJson(text, relPath) };
}
