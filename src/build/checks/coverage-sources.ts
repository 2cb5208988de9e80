import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mergeCoverage, parseLcov, type FileCoverage } from './lcov.ts';
import { loadSourceMap, type LoadedSourceMap } from './source-map.ts';

/** What the source maps of a package's compiled output say about its sources. */
export interface SourceIndex {
  /** Compiled file (repo-relative) → its source map. */
  compiled: Map<string, LoadedSourceMap>;
  /** Source file (repo-relative) → the lines that produced code. */
  codeLines: Map<string, Set<number>>;
}

/** Reads every source map under the given output directories (e.g. a package's dist/). */
export async function indexSourceMaps(outputDirs: string[], repoRoot: string): Promise<SourceIndex> {
  const index: SourceIndex = { compiled: new Map(), codeLines: new Map() };
  for (const dir of outputDirs) {
    const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    for (const entry of entries.filter((name) => /\.[cm]?js$/.test(name))) {
      const file = join(dir, entry);
      const map = await loadSourceMap(file);
      if (!map) continue;
      index.compiled.set(repoRelative(file, repoRoot), map);
      for (let line = 1; line <= map.lineCount; line += 1) {
        const at = map.original(line);
        if (!at) continue;
        const source = repoRelative(at.file, repoRoot);
        if (!index.codeLines.has(source)) index.codeLines.set(source, new Set());
        index.codeLines.get(source)!.add(at.line);
      }
    }
  }
  return index;
}

/**
 * Coverage as the developer reads it: on their sources, counting only lines that produced code.
 * A report on compiled files (`dist/index.js` lines 32-59) moves through the source maps onto
 * the sources (`src/index.ts` lines 40-71), a source line covered only if every line generated
 * from it ran. A report already on sources (Node 20 maps through source maps itself) drops the
 * type-only lines that the runner counts as never run. Files without a map stay as they are.
 */
export function coverageOnSources(files: FileCoverage[], index: SourceIndex, repoRoot: string): FileCoverage[] {
  const bySource = new Map<string, FileCoverage>();
  const result: FileCoverage[] = [];
  for (const file of files) {
    const codeLines = index.codeLines.get(file.file);
    if (codeLines) {
      result.push({ ...file, lines: new Map([...file.lines].filter(([line]) => codeLines.has(line))) });
      continue;
    }
    const map = index.compiled.get(file.file);
    if (!map) {
      result.push(file);
      continue;
    }
    let main: FileCoverage | undefined;
    for (const [line, hits] of [...file.lines].sort(([a], [b]) => a - b)) {
      const at = map.original(line);
      if (!at) continue;
      const source = repoRelative(at.file, repoRoot);
      let target = bySource.get(source);
      if (!target) {
        target = { file: source, lines: new Map(), functions: { found: 0, hit: 0 }, branches: { found: 0, hit: 0 } };
        bySource.set(source, target);
        result.push(target);
      }
      main ??= target;
      target.lines.set(at.line, Math.min(target.lines.get(at.line) ?? hits, hits));
    }
    // Function and branch totals stay whole; they belong to the file's main source.
    if (main) {
      main.functions = { found: main.functions.found + file.functions.found, hit: main.functions.hit + file.functions.hit };
      main.branches = { found: main.branches.found + file.branches.found, hit: main.branches.hit + file.branches.hit };
    }
  }
  return result;
}

function repoRelative(path: string, repoRoot: string): string {
  return relative(repoRoot, path).split('\\').join('/');
}

/**
 * A package's coverage as Slipway judges it: its lcov report read against the package directory
 * and moved onto the sources through the build outputs' source maps. Undefined without a report.
 */
export async function readPackageCoverage(opts: {
  packageDir: string;
  report: string;
  outputs: string[];
  repoRoot: string;
}): Promise<FileCoverage[] | undefined> {
  const text = await readFile(opts.report, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const maps = await indexSourceMaps(
    opts.outputs.map((output) => join(opts.packageDir, output)),
    opts.repoRoot,
  );
  // Several runs' reports in one file (two runner invocations) name a file twice: merged first.
  return coverageOnSources(mergeCoverage(parseLcov(text, opts.packageDir, opts.repoRoot)), maps, opts.repoRoot);
}
