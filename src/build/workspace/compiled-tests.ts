import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { testFilePatterns } from '../../config/task-inputs.ts';
import { sha256 } from '../../shared/hash.ts';
import { readMemo, writeMemo } from '../../shared/json-files.ts';
import { conventionalOutputDirs, outputMatcher } from './outputs.ts';

const isTestFile = outputMatcher([...testFilePatterns]);

/**
 * The first file a build wrote named like a test (dist/foo.test.js, lib/test/a.js), or undefined.
 * Looked for under the declared outputs and the usual output directories (a build may write
 * `lib/` while only `dist` is declared), skipping the package's own sources (`isSource`: a
 * committed lib/a.test.js is no compiled test). Test patterns are tried from every directory
 * down, as a compiler mirrors its sources anywhere under an output directory.
 */
export async function compiledTestFile(
  packageDir: string,
  outputs: string[],
  isSource: (relPath: string) => boolean = () => false,
): Promise<string | undefined> {
  for (const output of new Set([...outputs, ...conventionalOutputDirs])) {
    const entries = await readdir(join(packageDir, output), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const relPath = join(entry.parentPath, entry.name)
        .slice(packageDir.length + 1)
        .split('\\')
        .join('/');
      const suffixes = relPath.split('/').map((_, i, parts) => parts.slice(i).join('/'));
      if (!isSource(relPath) && suffixes.some(isTestFile)) return relPath;
    }
  }
  return undefined;
}

/**
 * Which packages' builds write compiled tests, as their last build showed: their test files are
 * build inputs, or an edited test would run stale from the outputs. Kept in the home beside the
 * remembered inputs; a corrupt memo is unknown (the package is found out again at its next build).
 */
export class CompiledTests {
  constructor(
    readonly dir: string,
    private readonly onCorrupt?: (message: string) => void,
  ) {}

  /** Each of `names` whose build writes compiled tests, with one such file. */
  async read(names: string[]): Promise<Map<string, string>> {
    const found = await Promise.all(
      names.map(async (name) => [name, (await readMemo<{ file?: unknown }>(this.path(name), this.onCorrupt))?.file] as const),
    );
    return new Map(found.filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string'));
  }

  /** What the package's build just showed: a compiled test file, or none. */
  async record(name: string, file: string | undefined): Promise<void> {
    if (file === undefined) return rm(this.path(name), { force: true });
    await mkdir(this.dir, { recursive: true });
    await writeMemo(this.path(name), JSON.stringify({ file }));
  }

  private path(name: string): string {
    return join(this.dir, `compiled-tests-${sha256(name).slice(0, 32)}.json`);
  }
}
