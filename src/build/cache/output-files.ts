import { pathComponents } from '../../shared/confined-path.ts';
import { walkFiles } from '../workspace/files.ts';
import { inputMatcher } from '../workspace/outputs.ts';

/**
 * A task's output files by turbo.json's `outputs` globs, relative to its package: read as
 * Turborepo reads them, in order, a `!` glob taking out what the ones before it named (the same
 * rule as `inputs`).
 */

/** The files (and symlinks) under `dir` the globs name, sorted; node_modules and .git are never outputs. */
export async function listOutputFiles(dir: string, globs: string[]): Promise<string[]> {
  if (globs.length === 0) return [];
  const isOutput = inputMatcher(globs);
  return [...(await walkFiles(dir)).keys()].filter(isOutput).sort();
}

/**
 * PURE: why a list of saved outputs is not one the globs could have made, or undefined when it
 * is: not a list of paths, or a path that is absolute, climbs with "..", or is not named by them.
 */
export function outputsRefusal(saved: unknown, globs: string[]): string | undefined {
  if (!Array.isArray(saved)) return 'it lists no outputs';
  const isOutput = inputMatcher(globs);
  const outside = saved.find(
    (path) =>
      typeof path !== 'string' ||
      // Absolute, empty or not normal ("./a", "a//b"): not as the walk lists paths.
      pathComponents(path).join('/') !== path ||
      path.split('/').includes('..') ||
      !isOutput(path),
  ) as unknown;
  if (outside === undefined) return undefined;
  return `it holds ${JSON.stringify(outside)}, which the outputs (${globs.length ? globs.join(', ') : 'none'}) do not name`;
}
