/**
 * The example monorepo the images are built from: the demo's git repository of examples/embark,
 * installed and built once, and the one-line backend changes the code-change case makes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDemoRepo } from '../../src/demo/demo-repo.ts';
import { exec, tailLines } from '../../src/shared/exec.ts';

export const BACKEND = { name: '@embark/backend', dir: 'packages/backend', command: ['node', 'dist/server.js'], port: 7007 };
/** The workspace packages the backend's image needs built (its own and its workspace dependency). */
const BACKEND_BUILD_ORDER = ['@embark/shared', BACKEND.name];
const EDITED_SOURCE = 'src/server.ts';
const LISTEN_LINE = /console\.log\(`backend listening on port \$\{config\.port\}[^`]*`\)/;

export interface Example {
  repoDir: string;
  backendDir: string;
  /** Seconds spent: npm ci, then building the backend and its workspace dependency. */
  installSeconds: number;
  buildSeconds: number;
}

async function run(command: string, args: string[], cwd: string): Promise<number> {
  const result = await exec(command, args, { cwd });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${tailLines(result.output).join('\n')}`);
  return result.durationMs / 1000;
}

async function buildPackages(repoDir: string, names: string[]): Promise<number> {
  let seconds = 0;
  for (const name of names) seconds += await run('npm', ['run', 'build', '--workspace', name], repoDir);
  return seconds;
}

/** The demo's repository (git, merge on main), `npm ci` and the backend's packages built. */
export async function prepareExample(parentDir: string): Promise<Example> {
  const { repoDir } = await prepareDemoRepo({ parentDir });
  const installSeconds = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], repoDir);
  const buildSeconds = await buildPackages(repoDir, BACKEND_BUILD_ORDER);
  return { repoDir, backendDir: join(repoDir, BACKEND.dir), installSeconds, buildSeconds };
}

/** Changes one line of the backend's source, rebuilds the backend with tsc and commits. */
export async function changeBackend(example: Example, marker: string): Promise<void> {
  const file = join(example.backendDir, EDITED_SOURCE);
  const source = await readFile(file, 'utf8');
  if (!LISTEN_LINE.test(source)) throw new Error(`${file} no longer has the line the benchmark edits (${LISTEN_LINE})`);
  await writeFile(file, source.replace(LISTEN_LINE, `console.log(\`backend listening on port \${config.port} (${marker})\`)`));
  await buildPackages(example.repoDir, [BACKEND.name]);
  await run('git', ['commit', '-q', '-am', `Backend: ${marker}`], example.repoDir);
}

export async function headCommit(repoDir: string): Promise<string> {
  const result = await exec('git', ['rev-parse', 'HEAD'], { cwd: repoDir });
  if (result.code !== 0) throw new Error(`git rev-parse HEAD: ${result.stderr.trim()}`);
  return result.stdout.trim();
}
