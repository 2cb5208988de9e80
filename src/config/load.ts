import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodError } from 'zod';
import { Failure } from '../feedback/failure.ts';
import { sha256 } from '../util/hash.ts';
import { configSchema, type Config } from './schema.ts';

export const configFileNames = ['slipway.config.ts', 'slipway.config.mjs', 'slipway.config.js', 'slipway.config.yaml', 'slipway.config.yml', 'slipway.config.json'];

/** Finds and loads the project's configuration, validated, with defaults filled in. */
export async function loadConfig(repoDir: string): Promise<{ config: Config; file: string }> {
  const file = configFileNames.map((name) => join(repoDir, name)).find((path) => existsSync(path));
  if (!file) {
    throw new Failure(`no configuration in ${repoDir}`, {
      hint: `create slipway.config.ts (export default defineConfig({...}) from 'slipway'), or one of ${configFileNames.slice(3).join(', ')}`,
    });
  }
  return { config: validateConfig(await readConfigFile(file), basename(file)), file };
}

async function readConfigFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    if (file.endsWith('.json')) return JSON.parse(text);
    if (/\.ya?ml$/.test(file)) return (await import('yaml')).parse(text);
  } catch (error) {
    throw new Failure(`${basename(file)} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return importModuleConfig(file);
}

/**
 * Like Vite: bundle the config with esbuild so it can be TypeScript and import `slipway` even
 * where slipway is not installed in the project (the import resolves to our defineConfig), then
 * import the bundle.
 */
async function importModuleConfig(file: string): Promise<unknown> {
  let code: string;
  try {
    const result = await build({
      entryPoints: [file], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
      packages: 'external',
      plugins: [{
        name: 'slipway-self',
        setup(b) {
          b.onResolve({ filter: /^slipway$/ }, () => ({ path: 'slipway', namespace: 'slipway-self' }));
          b.onLoad({ filter: /.*/, namespace: 'slipway-self' }, () => ({ contents: 'export const defineConfig = (config) => config;', loader: 'js' }));
        },
      }],
    });
    code = result.outputFiles[0].text;
  } catch (error) {
    const messages = ((error as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors ?? [])
      .map((e) => `${basename(file)}${e.location ? `:${e.location.line}:${e.location.column}` : ''}: ${e.text}`);
    throw new Failure(`${basename(file)} does not compile`, { details: messages.length ? messages : [(error as Error).message] });
  }
  const bundled = join(dirname(file), `.slipway.config.${sha256(code).slice(0, 12)}.mjs`);
  await writeFile(bundled, code);
  try {
    const mod = (await import(pathToFileURL(bundled).href)) as { default?: unknown };
    if (mod.default === undefined) throw new Failure(`${basename(file)} has no default export`, { hint: 'export default defineConfig({ ... })' });
    return mod.default;
  } finally {
    await rm(bundled, { force: true });
  }
}

/** Validates a raw configuration; every problem is reported with its path and what was expected. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new Failure(`${source} is invalid (${result.error.issues.length} problem${result.error.issues.length === 1 ? '' : 's'})`, {
    details: describeIssues(result.error),
    hint: 'fix the fields named above; the schema is in Slipway\'s src/config/schema.ts',
  });
}

function describeIssues(error: ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

/** A release needs something to release and somewhere to deploy it. */
export function requireReleaseTargets(config: Config): void {
  const missing = [
    ...(Object.keys(config.services).length ? [] : ['services (what gets built into images and deployed)']),
    ...(Object.keys(config.environments).length ? [] : ['environments (where releases are deployed)']),
  ];
  if (missing.length) {
    throw new Failure(`slipway.config declares no ${missing.map((what) => what.split(' ')[0]).join(' and no ')}`, {
      details: missing.map((what) => `missing: ${what}`),
      hint: 'declare at least one service and one environment to release, or run `slipway ci` to build and test only',
    });
  }
}
