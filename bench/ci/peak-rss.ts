/**
 * Peak resident memory of a command, through GNU time's `%M`: the largest resident set of the
 * command or of any process it waited for (the kernel's ru_maxrss of the child tree: the biggest
 * single process, not a sum). Where /usr/bin/time is missing, memory is not measured.
 */
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const gnuTime = '/usr/bin/time';

export const peakRssAvailable: boolean = await access(gnuTime, constants.X_OK).then(
  () => true,
  () => false,
);

export interface RssProbe {
  /** The command line to run instead: the original wrapped in GNU time when it is there. */
  command: string;
  args: string[];
  /** The peak in bytes once the command has exited; undefined when not measured. */
  read(): Promise<number | undefined>;
}

export async function probePeakRss(command: string, args: string[]): Promise<RssProbe> {
  if (!peakRssAvailable) return { command, args, read: () => Promise.resolve(undefined) };
  const dir = await mkdtemp(join(tmpdir(), 'slipway-rss-'));
  const file = join(dir, 'rss');
  return {
    command: gnuTime,
    args: ['-f', '%M', '-o', file, command, ...args],
    async read() {
      // A failed command adds "Command exited with non-zero status N" above the figure.
      const kilobytes = Number((await readFile(file, 'utf8')).trim().split('\n').at(-1));
      await rm(dir, { recursive: true, force: true });
      return Number.isFinite(kilobytes) ? kilobytes * 1024 : undefined;
    },
  };
}
