/**
 * buildah's side: `buildah bud --layers` then `buildah push`, with its storage in a private
 * --root/--runroot so runs never see each other's (or the machine's) images and caches.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, tailLines } from '../../src/shared/exec.ts';

export const BUILDAH = '/usr/bin/buildah';
export type StorageDriver = 'overlay' | 'vfs';
/** No RUN step needs it, but chroot is the isolation that works as root without a daemon or namespaces setup. */
const ISOLATION = 'chroot';

export interface BuildahRun {
  buildSeconds: number;
  pushSeconds: number;
  digest: string;
  /** Steps buildah answered from its layer cache ("Using cache"). */
  cachedSteps: number;
  steps: number;
}

export class Buildah {
  private constructor(
    readonly storageDir: string,
    readonly driver: StorageDriver,
  ) {}

  /** Storage under `storageDir` with `driver`, or the first that works here: overlay, else vfs. */
  static async create(storageDir: string, driver?: StorageDriver): Promise<{ buildah: Buildah; probeNotes: string[] }> {
    const probeNotes: string[] = [];
    for (const candidate of driver ? [driver] : (['overlay', 'vfs'] as const)) {
      const probe = new Buildah(join(storageDir, `probe-${candidate}`), candidate);
      const problem = await probe.mountProbe();
      await probe.destroy();
      if (problem === undefined) return { buildah: new Buildah(join(storageDir, candidate), candidate), probeNotes };
      probeNotes.push(`storage driver ${candidate} does not work here: ${problem}`);
    }
    throw new Error(`buildah cannot mount a container with ${driver ?? 'overlay or vfs'}:\n${probeNotes.join('\n')}`);
  }

  get flags(): string[] {
    return ['--root', join(this.storageDir, 'root'), '--runroot', join(this.storageDir, 'run'), '--storage-driver', this.driver];
  }

  private async run(args: string[], timeoutMs = 300_000): Promise<{ output: string; seconds: number }> {
    const result = await exec(BUILDAH, [...this.flags, ...args], { timeoutMs });
    if (result.code !== 0)
      throw new Error(`buildah ${args.join(' ')} failed (exit ${result.code}):\n${tailLines(result.output, 20).join('\n')}`);
    return { output: result.output, seconds: result.durationMs / 1000 };
  }

  /** Why a working container cannot be mounted with this driver, or undefined when it can. */
  private async mountProbe(): Promise<string | undefined> {
    await mkdir(this.storageDir, { recursive: true });
    try {
      await this.run(['from', '--name', 'probe', 'scratch'], 60_000);
      await this.run(['mount', 'probe'], 60_000);
      return undefined;
    } catch (error) {
      return (error as Error).message.split('\n').filter(Boolean).slice(-1)[0];
    }
  }

  static async version(): Promise<string> {
    const result = await exec(BUILDAH, ['--version']);
    return result.stdout.trim().replace(/^buildah version /, '');
  }

  /** The command lines as run, with the storage paths shortened, for the report. */
  commandLines(image: string): { build: string; push: string } {
    const global = `buildah --root <tmp>/root --runroot <tmp>/run --storage-driver ${this.driver}`;
    return {
      build: `${global} bud --isolation ${ISOLATION} --layers --tls-verify=false --build-arg REVISION=<commit> -f <context>/Dockerfile -t ${image} <context>`,
      push: `${global} push --tls-verify=false --digestfile <file> ${image} docker://${image}`,
    };
  }

  async buildAndPush(opts: { contextDir: string; image: string; revision: string }): Promise<BuildahRun> {
    const build = await this.run([
      'bud',
      '--isolation',
      ISOLATION,
      '--layers',
      '--tls-verify=false',
      '--build-arg',
      `REVISION=${opts.revision}`,
      '-f',
      join(opts.contextDir, 'Dockerfile'),
      '-t',
      opts.image,
      opts.contextDir,
    ]);
    const digestFile = join(this.storageDir, 'pushed.digest');
    const push = await this.run(['push', '--tls-verify=false', '--digestfile', digestFile, opts.image, `docker://${opts.image}`]);
    const steps = build.output.split('\n').filter((line) => /^STEP \d+\/\d+:/.test(line)).length;
    const cachedSteps = build.output.split('\n').filter((line) => /^--> Using cache /.test(line)).length;
    return {
      buildSeconds: build.seconds,
      pushSeconds: push.seconds,
      digest: (await readFile(digestFile, 'utf8')).trim(),
      cachedSteps,
      steps,
    };
  }

  /** Removes every container and image, unmounts anything left under the storage, deletes it. */
  async destroy(): Promise<void> {
    await exec(BUILDAH, [...this.flags, 'rm', '--all']).catch(() => undefined);
    await exec(BUILDAH, [...this.flags, 'rmi', '--all', '--force']).catch(() => undefined);
    const mounts = (await readFile('/proc/self/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((point) => point?.startsWith(`${this.storageDir}/`));
    for (const point of mounts.reverse()) await exec('umount', ['-l', point]);
    await rm(this.storageDir, { recursive: true, force: true });
  }
}
