import { readFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { exec, projectEnv, type ExecOptions, type ExecResult } from '../../shared/exec.ts';
import type { Workspace } from '../workspace/types.ts';

export interface ScriptOptions {
  /** The package directory (holding its package.json). */
  dir: string;
  script: string;
  /** Its package.json, when the caller has read it already. */
  manifest?: Record<string, unknown>;
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Records each script process while it runs (see ExecOptions.track). */
  track?: ExecOptions['track'];
  /** Stops the script, and skips the ones after it, when aborted (see ExecOptions.signal). */
  signal?: AbortSignal;
  /**
   * Directories put on PATH before the node_modules/.bin ones (Slipway's test-runner shims). A
   * script that only runs another script (`npm run test:unit`, `pnpm test:unit`, `yarn test:unit`)
   * then has that script run here too: the package manager would put its bin directories first.
   */
  pathPrefix?: string[];
}

/**
 * Runs a package's script as `npm run <script>` does, without starting npm (a third of a second
 * per task, the largest cost of a small task): pre- and post-scripts, `sh -c`, the package's
 * directory, every node_modules/.bin from it up to the root first on PATH, and npm's
 * npm_package_* and npm_lifecycle_* variables. Never rejects on a failing script.
 */
export async function runPackageScript(opts: ScriptOptions): Promise<ExecResult> {
  const started = Date.now();
  const manifestPath = join(opts.dir, 'package.json');
  const manifest = opts.manifest ?? (JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>);
  const scripts = (manifest.scripts ?? {}) as Record<string, string>;
  if (scripts[opts.script] === undefined) {
    const message = `Missing script: "${opts.script}" in ${manifestPath}`;
    return { code: 1, stdout: '', stderr: message, output: message, durationMs: 0 };
  }
  const text = { stdout: '', stderr: '', output: '' };
  const events = scriptEvents(scripts, opts.script, opts.pathPrefix !== undefined);
  for (const event of events) {
    const env = {
      ...projectEnv(),
      ...opts.env,
      PATH: [...(opts.pathPrefix ?? []), ...binDirs(opts.dir), process.env.PATH].filter(Boolean).join(delimiter),
      npm_package_name: String(manifest.name ?? ''),
      npm_package_version: String(manifest.version ?? ''),
      npm_package_json: manifestPath,
      npm_lifecycle_event: event,
      npm_lifecycle_script: scripts[event],
    };
    const result = await exec('sh', ['-c', scripts[event]], {
      cwd: opts.dir,
      env,
      onLine: opts.onLine,
      track: opts.track,
      signal: opts.signal,
    });
    text.stdout += result.stdout;
    text.stderr += result.stderr;
    text.output += result.output;
    if (result.code !== 0) return { code: result.code, ...text, durationMs: Date.now() - started };
  }
  return { code: 0, ...text, durationMs: Date.now() - started };
}

/**
 * The scripts `npm run <script>` runs, in order: pre, itself, post. With `follow`, a script that
 * only runs another one of the package (`npm run x`, `npm test`, `pnpm x`, `yarn run x`) is
 * replaced by what that one runs, as far as such calls go (never in a cycle).
 */
export function scriptEvents(scripts: Record<string, string>, script: string, follow: boolean, seen: string[] = []): string[] {
  const around = [`pre${script}`, script, `post${script}`].filter((name) => scripts[name] !== undefined);
  if (!follow) return around;
  return around.flatMap((event) => {
    const called = calledScript(scripts[event]);
    return called !== undefined && scripts[called] !== undefined && !seen.includes(called)
      ? scriptEvents(scripts, called, follow, [...seen, event])
      : [event];
  });
}

/** Words pnpm and yarn take as their own commands before a script of that name. */
const managerCommands = new Set([
  'install',
  'i',
  'add',
  'remove',
  'exec',
  'dlx',
  'update',
  'up',
  'link',
  'rebuild',
  'pack',
  'publish',
  'why',
]);

/** The script a command only runs, by the package manager's own words: `npm run test:unit` → `test:unit`. */
export function calledScript(command: string): string | undefined {
  const [tool, verb, name, ...rest] = command.trim().split(/\s+/);
  if (rest.length > 0 || !['npm', 'pnpm', 'yarn'].includes(tool) || verb === undefined) return undefined;
  if (verb === 'run' || verb === 'run-script') return scriptName(name);
  if (name !== undefined) return undefined;
  if (tool === 'npm') return verb === 'test' || verb === 't' ? 'test' : undefined;
  return managerCommands.has(verb) ? undefined : scriptName(verb);
}

function scriptName(word: string | undefined): string | undefined {
  return word !== undefined && /^[\w:.@/-]+$/.test(word) && !word.startsWith('-') ? word : undefined;
}

/** node_modules/.bin of the package and of every directory above it, nearest first (npm's order). */
function binDirs(dir: string): string[] {
  const dirs: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    dirs.push(join(at, 'node_modules', '.bin'));
    if (dirname(at) === at) return dirs;
  }
}

/**
 * How the repository's own package manager runs a script, for messages and hints: `pnpm run test`,
 * `yarn test`, `npm run test`; with `inPackage`, from the root for that workspace package.
 */
export function scriptCommand(tool: Workspace['tool'], script: string, inPackage?: string): string {
  if (tool === 'pnpm') return inPackage ? `pnpm --filter ${inPackage} run ${script}` : `pnpm run ${script}`;
  if (tool === 'yarn') return inPackage ? `yarn workspace ${inPackage} run ${script}` : `yarn run ${script}`;
  return inPackage ? `npm run ${script} -w ${inPackage}` : `npm run ${script}`;
}
