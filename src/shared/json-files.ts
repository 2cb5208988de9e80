import { readFile, rm } from 'node:fs/promises';
import { Failure } from './feedback/failure.ts';
import { writeFileAtomic } from './fs.ts';

/** JSON that must hold an object (or, where `arrays`, an array): anything else is as unreadable as a torn file. */
function parseJson(text: string, { arrays = true } = {}): object {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || (!arrays && Array.isArray(value))) throw new Error('not a JSON object');
  return value;
}

/**
 * Reads one of Slipway's own memo or cache files (what the last run saw, remembered inputs, the
 * coverage ledger). These only save work, so they must never stop a run: a missing file is
 * unknown, and a truncated or corrupt one (a killed process, a full disk) is unknown too, is
 * removed so it is written again, and is reported once through `onCorrupt`.
 */
export async function readMemo<T extends object>(path: string, onCorrupt?: (message: string) => void): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseJson(text) as T;
  } catch (error) {
    await rm(path, { force: true }).catch(() => undefined);
    onCorrupt?.(`${path} was unreadable (${(error as Error).message}); treated as a cache miss and written again`);
    return undefined;
  }
}

/**
 * Writes a memo that readMemo reads: whole or not at all for every reader, but without waiting for
 * the disk. A power cut may lose or truncate it, which its reader takes as a miss; an fsync per
 * memo was most of a short run's writing time.
 */
export function writeMemo(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text, { sync: false });
}

/**
 * Reads a file of Slipway's own state that is not a mere cache (a local environment's record of
 * its processes, the local forge's releases): missing is undefined, and a corrupt one is a Failure
 * naming the file, what it holds and what to do, never a raw SyntaxError blamed on the user's change.
 */
export async function readStateFile<T extends object>(path: string, what: string, remedy: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Failure(`cannot read ${what} at ${path}: ${(error as Error).message}`, { hint: remedy });
  }
  try {
    return parseJson(text) as T;
  } catch (error) {
    throw new Failure(`${what} at ${path} is corrupt (${(error as Error).message})`, {
      details: [
        "This is Slipway's own state, not part of your change: a process was probably killed while writing it, or the disk filled up.",
      ],
      hint: remedy,
    });
  }
}

/** Line and column (1-based) of a character offset in a text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The Failure for a package.json that is not valid JSON: its path, where it breaks, and why. */
function manifestFailure(path: string, text: string, error: Error): Failure {
  const offset = /at position (\d+)/.exec(error.message)?.[1];
  const at =
    offset === undefined
      ? error.message.includes('end of JSON')
        ? lineAndColumn(text, text.length)
        : undefined
      : lineAndColumn(text, Number(offset));
  const where = at ? `${path}:${at.line}:${at.column}` : path;
  return new Failure(`${where}: package.json is not valid JSON (${error.message.replace(/ in JSON at position \d+.*$/, '')})`, {
    details: at ? [text.split('\n')[at.line - 1]?.trimEnd() ?? '', `${' '.repeat(Math.max(0, at.column - 1))}^`] : [],
    hint: `Fix the JSON in ${path} (npm, and every workspace tool, read it too).`,
  });
}

/** A package.json as an object; a malformed one is a Failure naming the file (as `shown`) and the place. */
export async function readManifestFile(path: string, shown = path): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  try {
    return parseJson(text, { arrays: false }) as Record<string, unknown>;
  } catch (error) {
    throw manifestFailure(shown, text, error as Error);
  }
}
