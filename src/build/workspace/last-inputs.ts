import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../shared/hash.ts';
import { readMemo, writeMemo } from '../../shared/json-files.ts';
import type { PackageHash, PrerequisiteHash, TestHash } from './types.ts';

type Task = 'build' | 'test' | 'prerequisite';

/**
 * The inputs each package's task (and turbo.json prerequisite) last ran or was restored with, so a later miss can say what
 * changed since (`slipway why`, and the build log). Env values are stored hashed, as in the key.
 */
export class LastInputs {
  /** `onCorrupt` hears of a remembered file that could not be read (it is then a first build). */
  constructor(
    readonly dir: string,
    private readonly onCorrupt?: (message: string) => void,
  ) {}

  async read(task: 'build', name: string): Promise<PackageHash | undefined>;
  async read(task: 'test', name: string): Promise<TestHash | undefined>;
  /** `name`: the turbo.json task, `pkg#script`. */
  async read(task: 'prerequisite', name: string): Promise<PrerequisiteHash | undefined>;
  async read(task: Task, name: string): Promise<PackageHash | TestHash | PrerequisiteHash | undefined> {
    return readMemo<PackageHash | TestHash | PrerequisiteHash>(this.path(task, name), this.onCorrupt);
  }

  async write(task: Task, hash: PackageHash | TestHash | PrerequisiteHash): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeMemo(this.path(task, hash.name), JSON.stringify(hash));
  }

  private path(task: string, name: string): string {
    return join(this.dir, `${task}-${sha256(name).slice(0, 32)}.json`);
  }
}
