import { describe, expect, it } from 'vitest';
import { explainMiss } from './explain.ts';
import type { HashInputs } from './types.ts';

const before: HashInputs = {
  files: { 'src/a.ts': '1', 'src/b.ts': '2', 'package.json': '3' },
  deps: { '@x/shared': 'h1', '@x/util': 'h2' },
  lockfile: 'l1',
  command: 'tsc -b',
  env: { API_URL: 'e1', NODE_ENV: 'e2' },
};

describe('explainMiss', () => {
  it('says nothing when the inputs are the same', () => {
    expect(explainMiss(before, structuredClone(before))).toEqual([]);
  });

  it('names each changed, added and removed input', () => {
    const after: HashInputs = {
      files: { 'src/a.ts': '9', 'package.json': '3', 'src/c.ts': '4' },
      deps: { '@x/shared': 'h9', '@x/util': 'h2' },
      lockfile: 'l2',
      command: 'tsc -b --force',
      env: { API_URL: 'e9', NODE_ENV: 'e2' },
    };
    expect(explainMiss(before, after)).toEqual([
      'src/a.ts changed',
      'src/b.ts removed',
      'src/c.ts added',
      'dependency @x/shared changed',
      'lockfile changed',
      'command changed: "tsc -b" -> "tsc -b --force"',
      'env API_URL changed',
    ]);
  });
});
