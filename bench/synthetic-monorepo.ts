/**
 * Writes a synthetic npm-workspaces monorepo for benchmarks: one root package everything depends
 * on, levels of packages each depending on 1-3 earlier ones, real TypeScript and node:test tests,
 * configured for both Slipway and Turborepo, installed offline and committed to a fresh git repo.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../src/shared/exec.ts';
import { planMonorepo, type MonorepoPlan } from './ci/plan.ts';
import { packageFiles, rootFiles, type FileMap, type ScriptKind } from './ci/sources.ts';

export interface MonorepoOptions {
  packages: number;
  /** Levels including the root package's; defaults to 7 for large repos, fewer for small ones. */
  depth?: number;
  seed?: number;
  /** Real tsc builds and node:test tests (the default), or light shell scripts (see ScriptKind). */
  scripts?: ScriptKind;
}

export interface Monorepo {
  dir: string;
  plan: MonorepoPlan;
}

/** Slipway's own TypeScript, linked into the generated repo so it installs without the network. */
const typescriptDir = fileURLToPath(new URL('../node_modules/typescript', import.meta.url));

async function writeFiles(dir: string, files: FileMap): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function run(dir: string, command: string, args: string[]): Promise<string> {
  const result = await exec(command, args, { cwd: dir });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${dir}:\n${result.output}`);
  return result.stdout.trim();
}

export async function generateMonorepo(dir: string, options: MonorepoOptions): Promise<Monorepo> {
  const plan = planMonorepo(options.packages, { depth: options.depth, seed: options.seed });
  const npmVersion = await run(dir, 'npm', ['--version']);
  await writeFiles(dir, rootFiles({ npmVersion, typescriptDir }));
  for (const pkg of plan.packages) await writeFiles(join(dir, 'packages', pkg.dir), packageFiles(plan, pkg, options.scripts));
  await run(dir, 'npm', ['install', '--offline', '--no-audit', '--no-fund']);
  const git = ['-c', 'user.email=bench@slipway', '-c', 'user.name=bench'];
  await run(dir, 'git', ['init', '-q', '-b', 'main']);
  await run(dir, 'git', ['add', '-A']);
  await run(dir, 'git', [...git, 'commit', '-q', '-m', `synthetic monorepo: ${plan.packages.length} packages`]);
  return { dir, plan };
}
