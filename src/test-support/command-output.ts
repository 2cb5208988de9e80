import { vi } from 'vitest';

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
  /** Both streams, in the order written. */
  output: string;
}

/** Runs a CLI command in this process, its terminal output captured (and kept off the test's). */
export async function commandOutput(command: () => Promise<number>): Promise<CommandOutput> {
  const streams = { stdout: [] as string[], stderr: [] as string[], output: [] as string[] };
  const capture = (stream: 'stdout' | 'stderr') => (chunk: unknown) => {
    streams[stream].push(String(chunk));
    streams.output.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture('stdout'));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture('stderr'));
  try {
    const code = await command();
    return { code, stdout: streams.stdout.join(''), stderr: streams.stderr.join(''), output: streams.output.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
