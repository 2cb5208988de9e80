import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../shared/exec.ts';
import { coverageOnSources, indexSourceMaps } from './coverage-sources.ts';
import type { FileCoverage } from './lcov.ts';

describe('coverageOnSources', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'slipway-cov-src-'));
    await mkdir(join(repo, 'pkg/src'), { recursive: true });
    // An interface first: type-only lines produce no code and must not count as uncovered.
    await writeFile(
      join(repo, 'pkg/src/index.ts'),
      [
        'export interface Note {',
        '  title: string;',
        '}',
        '',
        'export function used(note: Note): string {',
        '  return note.title;',
        '}',
        '',
        'export function unused(): number {',
        '  return 42;',
        '}',
        '',
      ].join('\n'),
    );
    const tsc = join(process.cwd(), 'node_modules/typescript/bin/tsc');
    const built = await exec(process.execPath, [
      tsc,
      '--ignoreConfig',
      '--sourceMap',
      '--outDir',
      join(repo, 'pkg/dist'),
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      join(repo, 'pkg/src/index.ts'),
    ]);
    expect(built.code, built.output).toBe(0);
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('moves line coverage from the compiled file onto the TypeScript source', async () => {
    // dist/index.js (CommonJS): 1-4 module preamble, 5-7 used(), 8-10 unused()
    const compiled: FileCoverage = {
      file: 'pkg/dist/index.js',
      lines: new Map([
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
        [6, 1],
        [7, 1],
        [8, 0],
        [9, 0],
        [10, 0],
      ]),
      functions: { found: 2, hit: 1 },
      branches: { found: 0, hit: 0 },
    };
    const [source] = coverageOnSources([compiled], await indexSourceMaps([join(repo, 'pkg/dist')], repo), repo);
    expect(source.file).toBe('pkg/src/index.ts');
    expect(
      [...source.lines]
        .filter(([, hits]) => hits === 0)
        .map(([line]) => line)
        .sort((a, b) => a - b),
    ).toEqual([9, 10, 11]);
    expect(source.lines.has(1)).toBe(false);
    expect(source.lines.get(6)).toBe(1);
    expect(source.functions).toEqual({ found: 2, hit: 1 });
  });

  it('leaves a file without a source map as it is', async () => {
    const plain: FileCoverage = {
      file: 'pkg/plain.js',
      lines: new Map([[1, 0]]),
      functions: { found: 0, hit: 0 },
      branches: { found: 0, hit: 0 },
    };
    expect(coverageOnSources([plain], await indexSourceMaps([join(repo, 'pkg/dist')], repo), repo)).toEqual([plain]);
  });

  it('drops the type-only lines a runner counts on an already mapped source (Node 20)', async () => {
    const mapped: FileCoverage = {
      file: 'pkg/src/index.ts',
      lines: new Map([
        [1, 0],
        [2, 0],
        [3, 0],
        [5, 1],
        [6, 1],
        [7, 1],
        [9, 0],
        [10, 0],
        [11, 0],
      ]),
      functions: { found: 2, hit: 1 },
      branches: { found: 0, hit: 0 },
    };
    const [source] = coverageOnSources([mapped], await indexSourceMaps([join(repo, 'pkg/dist')], repo), repo);
    expect([...source.lines.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 9, 10, 11]);
  });
});
