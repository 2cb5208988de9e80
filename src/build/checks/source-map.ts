import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conventionalOutputDirs } from '../workspace/outputs.ts';

/**
 * Where a failure really is in the developer's sources. Tests often run compiled
 * (`dist/format.test.js`); with a source map, the original file and line; without one, the
 * `src/` file of the same name when it exists (the line then says nothing, so it is dropped).
 * Returned relative to `baseDir`.
 */
export async function sourceLocation(
  file: string,
  line: number | undefined,
  packageDir: string,
  baseDir: string,
): Promise<{ file: string; line?: number }> {
  const absolute = isAbsolute(file) ? file : resolve(packageDir, file);
  const mapped = (line && (await throughSourceMap(absolute, line))) || undefined;
  const located: { file: string; line?: number } = mapped ??
    (isCompiledOutput(absolute, packageDir) ? sourceTwin(absolute, packageDir) : undefined) ?? { file: absolute, line };
  return { file: relative(baseDir, located.file).split('\\').join('/'), ...(located.line ? { line: located.line } : {}) };
}

async function throughSourceMap(jsFile: string, line: number): Promise<{ file: string; line: number } | undefined> {
  return (await loadSourceMap(jsFile))?.original(line);
}

export interface LoadedSourceMap {
  /** Lines of the compiled file. */
  lineCount: number;
  /** Where a compiled line came from, or undefined for a line of generated code only. */
  original(line: number): { file: string; line: number } | undefined;
}

/** A compiled file's source map, or undefined when the file has none. */
export async function loadSourceMap(jsFile: string): Promise<LoadedSourceMap | undefined> {
  const code = await readFile(jsFile, 'utf8').catch(() => undefined);
  if (code === undefined) return undefined;
  const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
  let payload: string | undefined;
  let mapDir = dirname(jsFile);
  if (reference?.startsWith('data:')) {
    payload = Buffer.from(reference.slice(reference.indexOf(',') + 1), reference.includes(';base64,') ? 'base64' : 'utf8').toString();
  } else {
    const mapFile = reference ? resolve(dirname(jsFile), reference) : `${jsFile}.map`;
    payload = await readFile(mapFile, 'utf8').catch(() => undefined);
    mapDir = dirname(mapFile);
  }
  if (!payload) return undefined;
  const map = new SourceMap(JSON.parse(payload));
  const generated = code.split('\n');
  const original = (line: number) => {
    // Only the line is known: take the first mapping that starts on it.
    const width = generated[line - 1]?.length ?? 0;
    for (let column = 0; column <= width; column += 1) {
      const entry = map.findEntry(line - 1, column) as { generatedLine?: number; originalSource?: string; originalLine?: number };
      if (entry.generatedLine !== line - 1 || !entry.originalSource || entry.originalLine === undefined) continue;
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : resolve(mapDir, entry.originalSource);
      return { file: source, line: entry.originalLine + 1 };
    }
    return undefined;
  };
  return { lineCount: generated.length, original };
}

function isCompiledOutput(file: string, packageDir: string): boolean {
  const first = relative(packageDir, file).split(/[\\/]/)[0];
  return conventionalOutputDirs.includes(first) && /\.[cm]?js$/.test(file);
}

/** dist/x.test.js → src/x.test.ts (or .tsx, .mts, .cts, .js) when that file exists. */
function sourceTwin(file: string, packageDir: string): { file: string; line?: number } | undefined {
  const inside = relative(packageDir, file).split(/[\\/]/).slice(1).join('/');
  const stem = inside.replace(/\.[cm]?js$/, '');
  for (const extension of ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx']) {
    const candidate = resolve(packageDir, 'src', stem + extension);
    if (existsSync(candidate)) return { file: candidate };
  }
  return undefined;
}
