import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompiledTests } from './compiled-tests.ts';

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
