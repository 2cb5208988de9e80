import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { writeFileAtomic } from '../../shared/fs.ts';

export type WriteOutcome = 'created' | 'unchanged' | 'replaced';

/**
 * Writes a generated file at `relPath` under the repository, whole or not at all. A file that is
 * there already with other content is somebody's work: it is replaced only when forced.
 */
export async function writeGeneratedFile(
  repoDir: string,
  relPath: string,
  text: string,
  options: { force: boolean; command: string },
): Promise<{ path: string; outcome: WriteOutcome }> {
  const path = join(repoDir, relPath);
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Failure(`cannot read ${path} to compare it with the generated one: ${error.message}`);
  });
  if (existing === text) return { path, outcome: 'unchanged' };
  if (existing !== undefined && !options.force) {
    throw new Failure(`${relPath} exists and differs from the one ${options.command} writes; it was left as it is`, {
      details: firstDifference(existing, text),
      hint: `to replace it, run ${options.command} --force (its edits are lost: commit or copy them first)`,
    });
  }
  await writeFileAtomic(path, text);
  return { path, outcome: existing === undefined ? 'created' : 'replaced' };
}

/** PURE: the first line where two texts differ, as the developer would compare them. */
export function firstDifference(current: string, generated: string): string[] {
  const ours = current.split('\n');
  const theirs = generated.split('\n');
  const line = ours.findIndex((text, index) => text !== theirs[index]);
  const at = line === -1 ? ours.length : line;
  const shown = (text: string | undefined) => (text === undefined ? '(end of file)' : JSON.stringify(text));
  return [`first difference at line ${at + 1}:`, `  the file has:  ${shown(ours[at])}`, `  generated:     ${shown(theirs[at])}`];
}
