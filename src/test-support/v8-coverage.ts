import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** V8 coverage of one run of a file whose first 13 characters ran once, as NODE_V8_COVERAGE writes it. */
export const v8Coverage = (file: string) =>
  JSON.stringify({
    result: [
      {
        scriptId: '1',
        url: `file://${file}`,
        functions: [{ functionName: '', ranges: [{ startOffset: 0, endOffset: 13, count: 1 }], isBlockCoverage: true }],
      },
    ],
  });

/** A package with one source file, src/a.js, and the V8 coverage a test run of it left in `rawCoverage`. */
export async function packageWithV8Coverage(pkg: string, rawCoverage: string): Promise<void> {
  await mkdir(join(pkg, 'src'));
  await writeFile(join(pkg, 'src/a.js'), 'let a = 1;\n');
  await mkdir(join(rawCoverage, 'v8-7'));
  await writeFile(join(rawCoverage, 'v8-7', 'coverage-7.json'), v8Coverage(join(pkg, 'src/a.js')));
}
