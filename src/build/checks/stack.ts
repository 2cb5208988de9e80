import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  file: string;
  line: number;
}

const testFile = /\.(test|spec)\.[cm]?[jt]sx?$/;

export function isTestFile(path: string): boolean {
  return testFile.test(path) || /(^|\/)__tests__\//.test(path);
}

/**
 * The frame of a stack trace that points into the developer's code: the first frame in a test
 * file, else the first frame outside node internals and node_modules. Understands V8 frames
 * (`at fn (file:///a/b.test.js:12:5)`, `at /a/b.js:12:5`) and Vitest's (`❯ src/b.test.ts:12:5`).
 */
export function stackLocation(stack: string): SourceLocation | undefined {
  const frames: SourceLocation[] = [];
  const frame = /(?:\bat\s+(?:[^\n(]*?\()?|❯\s+)((?:file:\/\/)?[^\s():]+):(\d+):\d+\)?/g;
  for (const match of stack.matchAll(frame)) {
    const location = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (location.startsWith('node:') || location.includes('/node_modules/') || location.startsWith('internal/')) continue;
    frames.push({ file: location, line: Number(match[2]) });
  }
  return frames.find((candidate) => isTestFile(candidate.file)) ?? frames[0];
}
