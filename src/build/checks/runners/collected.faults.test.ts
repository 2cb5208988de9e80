import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageWithV8Coverage } from '../../../test-support/v8-coverage.ts';
import { collectedPaths, gatherCoverage, resetCollected } from './collected.ts';

let pkg: string;
beforeEach(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'slipway-collected-faults-'));
});
afterEach(async () => rm(pkg, { recursive: true, force: true }));

describe('V8 coverage from mocha', () => {
  it('cut short by a killed test process leaves the package not measured, never failing', async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, true);
    await mkdir(join(paths.rawCoverage, 'v8-7'));
    await writeFile(join(paths.rawCoverage, 'v8-7', 'coverage-7.json'), '{"result": [{"scriptId": "1", "url": "file:///');
    expect(await gatherCoverage(paths, pkg)).toEqual({ lcov: false });
    expect(existsSync(paths.lcov)).toBe(false);
  });

  it("that c8 cannot convert is named with c8's error, and nothing is measured from it", async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, true);
    await packageWithV8Coverage(pkg, paths.rawCoverage);
    // A file where c8 writes its report: broken state of an earlier, killed conversion.
    await writeFile(join(paths.rawCoverage, 'v8-7-lcov'), '');
    const gathered = await gatherCoverage(paths, pkg);
    expect(gathered.lcov).toBe(false);
    expect(gathered.problem).toMatch(
      /^c8 could not turn the V8 coverage of the tests into lcov: Error: EEXIST: file already exists, mkdir '.*v8-7-lcov'$/,
    );
    expect(existsSync(paths.rawCoverage)).toBe(false);
  });
});
