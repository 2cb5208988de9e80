import { listOutputFiles, outputsRefusal } from './output-files.ts';
import { restoreOutputs, type OutputStamps } from './output-stamps.ts';
import type { EntryCache } from './tiered-cache.ts';

/**
 * Cache entries of a task whose outputs are globs (turbo.json's `outputs`), not directories: the
 * files they name are listed when it is saved, and the entry's meta keeps the list.
 */

interface GlobbedOutputs {
  cache: EntryCache;
  stamps: OutputStamps;
  key: string;
  /** The package directory the globs are relative to. */
  dir: string;
  globs: string[];
}

/** Saves the files under `dir` the globs name now (none: the entry only records that the task succeeded). */
export async function saveGlobbedOutputs(opts: GlobbedOutputs & { meta: Record<string, unknown> }): Promise<void> {
  const { cache, stamps, key, dir, globs, meta } = opts;
  const files = await listOutputFiles(dir, globs);
  await cache.save(key, dir, files, { ...meta, outputs: files });
  await stamps.record(key, dir, files);
}

/**
 * Puts the entry's files in place, as restoreOutputs does. 'miss' when there is no entry, and
 * when it lists a path the globs do not name: it is then refused (`warn` names it), and nothing
 * of it is written.
 */
export async function restoreGlobbedOutputs(
  opts: GlobbedOutputs & { warn: (message: string) => void },
): Promise<'in-place' | 'restored' | 'miss'> {
  const { cache, stamps, key, dir, globs, warn } = opts;
  const meta = await cache.readMeta(key);
  if (!meta) return 'miss';
  const refusal = outputsRefusal(meta.outputs, globs);
  if (refusal) {
    warn(`Cache entry ${key} was refused: ${refusal}; treated as a miss.`);
    return 'miss';
  }
  return restoreOutputs({ cache, stamps, key, dir, paths: meta.outputs as string[] });
}
