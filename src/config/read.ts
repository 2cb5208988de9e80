import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Failure } from '../shared/feedback/failure.ts';
import { sha256 } from '../shared/hash.ts';
import { readManifestFile, readMemo, writeMemo } from '../shared/json-files.ts';

export const configFileNames = [
  'slipway.config.ts',
  'slipway.config.mjs',
  'slipway.config.js',
  'slipway.config.yaml',
  'slipway.config.yml',
  'slipway.config.json',
];

/** The project's configuration file, or a Failure saying how to create one. */
export function findConfigFile(repoDir: string): string {
  const file = configFileNames.map((name) => join(repoDir, name)).find((path) => existsSync(path));
  if (!file) {
    throw new Failure(`no configuration in ${repoDir}`, {
      hint: `create slipway.config.ts (export default defineConfig({...}) from 'slipway'), or one of ${configFileNames.slice(3).join(', ')}`,
    });
  }
  return file;
}

/**
 * The configuration as written, not yet validated. With a cacheDir, a TypeScript or JavaScript
 * config is compiled again only when one of its files changed (it is still evaluated every time:
 * it may read the environment).
 */
export async function readRawConfig(file: string, cacheDir: string | undefined): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    if (file.endsWith('.json')) return JSON.parse(text);
    if (/\.ya?ml$/.test(file)) return (await import('yaml')).parse(text);
  } catch (error) {
    throw new Failure(`${basename(file)} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return importModuleConfig(file, cacheDir);
}

/**
 * Like Vite: bundle the config with esbuild so it can be TypeScript and import `slipway` even
 * where slipway is not installed in the project (the import resolves to our defineConfig), then
 * import the bundle.
 */
async function importModuleConfig(file: string, cacheDir: string | undefined): Promise<unknown> {
  const cachePath = cacheDir && join(cacheDir, 'config', `${sha256(file).slice(0, 16)}.json`);
  const code = (cachePath && (await compiledIfUnchanged(cachePath))) || (await compileConfig(file, cachePath));
  const mod = (await importBundled(file, code)) as { default?: unknown };
  if (mod.default === undefined)
    throw new Failure(`${basename(file)} has no default export`, { hint: 'export default defineConfig({ ... })' });
  return mod.default;
}

/**
 * A self-contained bundle is imported from memory; one that still imports packages is written
 * beside the config for the moment of the import, so they resolve from the project.
 */
async function importBundled(file: string, code: string): Promise<unknown> {
  if (!/^\s*import\b|\bimport\s*\(|\brequire\s*\(/m.test(code))
    return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const bundled = join(dirname(file), `.slipway.config.${sha256(code).slice(0, 12)}.mjs`);
  await writeFile(bundled, code);
  try {
    return await import(pathToFileURL(bundled).href);
  } finally {
    await rm(bundled, { force: true });
  }
}

/** The bundled config, when none of the files it was bundled from changed since. */
async function compiledIfUnchanged(cachePath: string): Promise<string | undefined> {
  const cached = await readMemo<CompiledConfig>(cachePath);
  if (!Array.isArray(cached?.inputs) || typeof cached.code !== 'string') return undefined;
  const current = await Promise.all(cached.inputs.map(([path]) => fileStamp(path)));
  return JSON.stringify(current) === JSON.stringify(cached.inputs) ? cached.code : undefined;
}

interface CompiledConfig {
  /** Every file esbuild read, with its size and modification time. */
  inputs: [path: string, size: number, mtimeMs: number][];
  code: string;
}

async function fileStamp(path: string): Promise<[string, number, number]> {
  const stats = await stat(path).catch(() => undefined);
  return [path, stats?.size ?? -1, stats?.mtimeMs ?? -1];
}

async function compileConfig(file: string, cachePath: string | undefined): Promise<string> {
  const { build } = await import('esbuild');
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      packages: 'external',
      metafile: true,
      absWorkingDir: dirname(file),
      plugins: [
        {
          name: 'slipway-self',
          setup(b) {
            b.onResolve({ filter: /^slipway$/ }, () => ({ path: 'slipway', namespace: 'slipway-self' }));
            b.onLoad({ filter: /.*/, namespace: 'slipway-self' }, () => ({
              contents: 'export const defineConfig = (config) => config;',
              loader: 'js',
            }));
          },
        },
      ],
    });
  } catch (error) {
    const errors =
      (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    // esbuild reads package.json files too: a broken one is that file's fault, not the config's.
    const manifest = errors.find((e) => e.location && basename(e.location.file) === 'package.json')?.location?.file;
    if (manifest) await readManifestFile(join(dirname(file), manifest), manifest);
    const messages = errors.map(
      (e) => `${e.location?.file ?? basename(file)}${e.location ? `:${e.location.line}:${e.location.column}` : ''}: ${e.text}`,
    );
    throw new Failure(`${basename(file)} does not compile`, { details: messages.length ? messages : [(error as Error).message] });
  }
  const code = result.outputFiles![0].text;
  if (cachePath) {
    const inputs = Object.keys(result.metafile!.inputs)
      .filter((input) => !input.startsWith('slipway-self:'))
      .map((input) => resolve(dirname(file), input));
    const compiled: CompiledConfig = { inputs: await Promise.all(inputs.map(fileStamp)), code };
    await mkdir(dirname(cachePath), { recursive: true });
    await writeMemo(cachePath, JSON.stringify(compiled));
  }
  return code;
}
