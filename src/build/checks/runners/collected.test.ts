import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageWithV8Coverage } from '../../../test-support/v8-coverage.ts';
import { collectedPaths, gatherCoverage, readCollectedResults, resetCollected } from './collected.ts';

let pkg: string;
beforeEach(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'slipway-collected-'));
});
afterEach(async () => rm(pkg, { recursive: true, force: true }));

const vitestReport = `<testsuites><testsuite name="src/a.test.ts"><testcase classname="src/a.test.ts" name="math &gt; adds"/>
<testcase classname="src/a.test.ts" name="math &gt; breaks"><failure message="expected 3 to be 5">AssertionError: expected 3 to be 5
 ❯ src/a.test.ts:6:18</failure></testcase></testsuite></testsuites>`;
const jestResult = {
  testResults: [{ name: join('/pkg', 'b.test.js'), status: 'passed', assertionResults: [{ title: 'b', status: 'passed' }] }],
};

describe('readCollectedResults', () => {
  it("merges every invocation's report, JUnit and jest's JSON alike, and passes over one cut short", async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, false);
    await writeFile(join(paths.results, 'vitest-11.xml'), vitestReport);
    await writeFile(join(paths.results, 'vitest-12.xml'), '<testsuites><testsuite name="x"><testcase name="half'); // killed while writing
    await writeFile(join(paths.results, 'jest-13.json'), JSON.stringify(jestResult));
    await writeFile(join(paths.results, 'jest-14.json'), '{"testResults": [');
    expect(await readCollectedResults(paths.results)).toEqual({
      passed: 2,
      failed: 1,
      skipped: 0,
      failures: [{ name: 'math > breaks', suite: 'src/a.test.ts', file: 'src/a.test.ts', line: 6, message: 'expected 3 to be 5' }],
    });
  });

  it('is undefined when no runner reported, and an earlier run is never read', async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, false);
    await writeFile(join(paths.results, 'vitest-1.xml'), vitestReport);
    await resetCollected(paths, false);
    expect(await readCollectedResults(paths.results)).toBeUndefined();
  });
});

describe('gatherCoverage', () => {
  it("turns V8 coverage (mocha's) into lcov of the package with c8", async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, true);
    await packageWithV8Coverage(pkg, paths.rawCoverage);
    expect(await gatherCoverage(paths, pkg)).toEqual({ lcov: true });
    expect(existsSync(paths.rawCoverage)).toBe(false);
  });

  it("puts the runners' lcov files into one and removes the raw coverage", async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, true);
    await mkdir(join(paths.rawCoverage, 'vitest-1'));
    await writeFile(join(paths.rawCoverage, 'vitest-1', 'lcov.info'), 'SF:src/a.ts\nDA:1,1\nend_of_record');
    await writeFile(join(paths.rawCoverage, 'node-2.info'), 'SF:/abs/b.ts\nDA:1,0\nend_of_record\n');
    expect(await gatherCoverage(paths, pkg)).toEqual({ lcov: true });
    expect(await readFile(paths.lcov, 'utf8')).toBe('SF:/abs/b.ts\nDA:1,0\nend_of_record\nSF:src/a.ts\nDA:1,1\nend_of_record\n');
    expect(existsSync(paths.rawCoverage)).toBe(false);
  });

  it('writes nothing when no runner measured coverage', async () => {
    const paths = collectedPaths(pkg);
    await resetCollected(paths, true);
    expect(await gatherCoverage(paths, pkg)).toEqual({ lcov: false });
    expect(existsSync(paths.lcov)).toBe(false);
  });
});
