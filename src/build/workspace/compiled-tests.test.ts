import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompiledTests, compiledTestFile } from './compiled-tests.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-compiled-tests-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CompiledTests', () => {
  it('remembers which packages compile tests, and forgets one that stopped', async () => {
    const warnings: string[] = [];
    const memo = new CompiledTests(join(dir, 'inputs'), (message) => warnings.push(message));
    expect(await memo.read(['@x/a', '@x/b'])).toEqual(new Map());
    await memo.record('@x/a', 'dist/a.test.js');
    await memo.record('@x/b', 'dist/b.test.js');
    expect(await new CompiledTests(join(dir, 'inputs')).read(['@x/a', '@x/b', '@x/c'])).toEqual(
      new Map([
        ['@x/a', 'dist/a.test.js'],
        ['@x/b', 'dist/b.test.js'],
      ]),
    );
    await memo.record('@x/b', undefined);
    expect(await memo.read(['@x/a', '@x/b'])).toEqual(new Map([['@x/a', 'dist/a.test.js']]));
    expect(warnings).toEqual([]);
  });
});

describe('compiledTestFile', () => {
  it('looks in the usual output directories too, and takes no committed source for a compiled test', async () => {
    await mkdir(join(dir, 'lib/deep'), { recursive: true });
    await writeFile(join(dir, 'lib/deep/a.test.js'), 'test');
    await writeFile(join(dir, 'lib/index.js'), 'code');
    // Only dist is declared, but the build wrote lib/.
    expect(await compiledTestFile(dir, ['dist'])).toBe('lib/deep/a.test.js');
    // A package whose sources live in lib/ (committed, so in the listing) compiles nothing.
    expect(await compiledTestFile(dir, ['dist'], (relPath) => relPath.startsWith('lib/'))).toBeUndefined();
    expect(await compiledTestFile(dir, [])).toBe('lib/deep/a.test.js');
  });
});
