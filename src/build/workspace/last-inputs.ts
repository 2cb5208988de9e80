import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs.ts';
import { sha256 } from '../../shared/hash.ts';
import type { PackageHash } from './types.ts';

/**
 * The inputs each package's task last ran or was restored with, so a later miss can say what
 * changed since (`slipway why`, and the build log). Env values are stored hashed, as in the key.
 */
export class LastInputs {
  constructor(readonly dir: string) {}

  async read(task: string, name: string): Promise<PackageHash | undefined> {
    const text = await readFile(this.path(task, name), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as PackageHash);
  }

  async write(task: string, hash: PackageHash): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.path(task, hash.name), JSON.stringify(hash));
  }

  private path(task: string, name: string): string {
    return join(this.dir, `${task}-${sha256(name).slice(0, 32)}.json`);
  }
}
