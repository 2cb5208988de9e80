import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The first directory above `path` that the user `uid` may not pass through: not its own, and
 * without the execute bit for others (a checkout in a `mktemp -d` directory, mode 700). Group
 * membership is not looked at: undefined means nothing in the way was found.
 */
export async function blockingDirectory(path: string, uid: number): Promise<{ dir: string; mode: string } | undefined> {
  const parents: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    parents.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of parents) {
    const info = await stat(dir).catch(() => undefined);
    if (info && info.uid !== uid && (info.mode & 0o001) === 0) return { dir, mode: (info.mode & 0o777).toString(8) };
  }
  return undefined;
}
