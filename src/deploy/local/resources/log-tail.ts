import { readFile } from 'node:fs/promises';
import { tailLines } from '../../../shared/exec.ts';

/** Keeps the last lines a server printed, for the log excerpt of a Failure. */
export class LogTail {
  private text = '';

  constructor(private readonly keepChars = 16_000) {}

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.keepChars);
  }

  lines(count = 20): string[] {
    return tailLines(this.text, count);
  }
}

/** The last lines of a server's log file (detached servers write to one). */
export async function logFileTail(path: string, count = 20): Promise<string[]> {
  return tailLines(await readFile(path, 'utf8').catch(() => ''), count);
}
