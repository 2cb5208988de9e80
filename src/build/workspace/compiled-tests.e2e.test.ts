import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledTestFile } from './compiled-tests.ts';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let dir: string;

async function write(relPath: string, content: string): Promise<void> {
  await mkdir(dirname(join(dir, relPath)), { recursive: true });
  await writeFile(join(dir, relPath), content);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-compiled-tests-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compiledTestFile', () => {
  it('finds the tests a real tsc build compiles into its outputs, and none where tsc leaves them out', async () => {
    const compilerOptions = { module: 'nodenext', target: 'es2022', composite: true, rootDir: '.' };
    // One `tsc -b` builds both: everything (tests too) into compiled/ (a declared output), and the library alone into lib/.
    await write(
      'tsconfig.json',
      JSON.stringify({ files: [], references: [{ path: './tsconfig.all.json' }, { path: './tsconfig.lib.json' }] }),
    );
    await write(
      'tsconfig.all.json',
      JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: 'compiled' }, include: ['src', 'test'] }),
    );
    await write(
      'tsconfig.lib.json',
      JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: 'lib' }, include: ['src'], exclude: ['src/**/*.test.ts'] }),
    );
    await write('package.json', JSON.stringify({ name: 'x', type: 'module' }));
    await write('src/index.ts', 'export const double = (n: number): number => n * 2;\n');
    await write('src/index.test.ts', "import { double } from './index.js';\nif (double(2) !== 4) throw new Error('double');\n");
    await write('test/helpers.ts', 'export const fixture = 1;\n');
    execFileSync(process.execPath, [tsc, '-b'], { cwd: dir, stdio: 'pipe' });
    expect((await readdir(join(dir, 'compiled/src'))).sort()).toContain('index.test.js');

    expect(await compiledTestFile(dir, ['compiled'])).toMatch(/^compiled\/(src\/index\.test\.(js|d\.ts)|test\/helpers\.(js|d\.ts))$/);
    expect(await compiledTestFile(dir, [])).toBeUndefined(); // lib/, a usual output directory, holds no test
    expect((await readdir(join(dir, 'lib/src'))).sort()).toContain('index.js'); // lib was built: its absence of tests is real
    expect(await compiledTestFile(dir, ['missing'])).toBeUndefined();
  });
});
