import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { firstDifference, writeGeneratedFile } from './write-generated-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-generated-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (text: string, force = false) => writeGeneratedFile(dir, 'out/file.yml', text, { force, command: 'slipway init github' });

describe('writeGeneratedFile', () => {
  it('creates the file and its directories, then leaves it alone while the text is the same', async () => {
    expect((await write('a\n')).outcome).toBe('created');
    expect((await write('a\n')).outcome).toBe('unchanged');
    expect(await readFile(join(dir, 'out/file.yml'), 'utf8')).toBe('a\n');
  });

  it('keeps a different file unless forced, and leaves no temporary file behind either way', async () => {
    await write('a\nb\n');
    const failure = await failureOf(write('a\nc\n'));
    expect(failure.specific).toBe('out/file.yml exists and differs from the one slipway init github writes; it was left as it is');
    expect(failure.details).toEqual(['first difference at line 2:', '  the file has:  "b"', '  generated:     "c"']);
    expect(await readFile(join(dir, 'out/file.yml'), 'utf8')).toBe('a\nb\n');
    expect((await write('a\nc\n', true)).outcome).toBe('replaced');
    expect(await readFile(join(dir, 'out/file.yml'), 'utf8')).toBe('a\nc\n');
    expect(await readdir(join(dir, 'out'))).toEqual(['file.yml']);
  });

  it('names the path it cannot read instead of overwriting it', async () => {
    await mkdir(join(dir, 'out/file.yml'), { recursive: true });
    const failure = await failureOf(write('a\n', true));
    expect(failure.specific).toMatch(/^cannot read .*out\/file\.yml to compare it with the generated one: EISDIR/);
  });
});

describe('firstDifference', () => {
  it('says where a shorter or longer file ends', () => {
    expect(firstDifference('a\n', 'a\nb\n')[1]).toBe('  the file has:  ""');
    expect(firstDifference('a', 'a\nb')).toEqual(['first difference at line 2:', '  the file has:  (end of file)', '  generated:     "b"']);
    expect(firstDifference('a\nb', 'a')).toEqual(['first difference at line 2:', '  the file has:  "b"', '  generated:     (end of file)']);
  });
});
