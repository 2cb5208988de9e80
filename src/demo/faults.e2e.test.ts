// Builds and tests copies of the example with faults injected, to show each fault happens for real
// (the pipeline stages that catch them are exercised by the demo's own e2e test).
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { checkCoverage, readPackageCoverage } from '../build/checks/index.ts';
import { exec } from '../shared/exec.ts';
import { exampleDir } from './demo-repo.ts';
import { injectFault, type FaultKind } from './faults.ts';

const slipwayNodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A copy of the example's sources that builds without an install: Slipway's own node_modules has
 * everything the example needs (typescript, @types/node, pg, @aws-sdk/client-s3, playwright-core),
 * and the workspace packages are linked the way npm links them.
 */
async function buildableCopy(...faults: FaultKind[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-faults-'));
  created.push(dir);
  const skipped = new Set(['node_modules', 'dist', 'reports', 'coverage']);
  await cp(exampleDir, dir, { recursive: true, filter: (src) => !skipped.has(basename(src)) });
  const nodeModules = join(dir, 'node_modules');
  await mkdir(join(nodeModules, '@embark'), { recursive: true });
  for (const entry of await readdir(slipwayNodeModules)) {
    if (entry !== '@embark') await symlink(join(slipwayNodeModules, entry), join(nodeModules, entry));
  }
  for (const name of ['shared', 'backend', 'frontend'])
    await symlink(join('..', '..', 'packages', name), join(nodeModules, '@embark', name));
  for (const fault of faults) await injectFault(dir, fault);
  return dir;
}

function npmRun(dir: string, pkg: string, script: string) {
  return exec('npm', ['run', script], { cwd: join(dir, 'packages', pkg), timeoutMs: 60_000 });
}

/** Builds the packages in order, then runs the unit tests of the last one. */
async function buildAndTest(dir: string, ...packages: string[]) {
  for (const pkg of packages) {
    const build = await npmRun(dir, pkg, 'build');
    expect(build.code, build.output).toBe(0);
  }
  return npmRun(dir, packages[packages.length - 1], 'test');
}

/** Line coverage of a package's lcov report, in percent. */
/** Line coverage as the pipeline's coverage gate computes it. */
async function linePercent(dir: string, pkg: string): Promise<number> {
  const packageDir = join(dir, 'packages', pkg);
  const files = await readPackageCoverage({
    packageDir,
    report: join(packageDir, 'coverage', 'lcov.info'),
    outputs: ['dist'],
    repoRoot: dir,
  });
  return checkCoverage({ [pkg]: files! }, { packages: {}, exclude: [] }).summary.lines;
}

const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');

describe('injected faults happen for real', () => {
  it('unit: the shared unit tests fail on the changed assertion', async () => {
    const dir = await buildableCopy('unit');
    const test = await buildAndTest(dir, 'shared');
    expect(test.code).not.toBe(0);
    expect(test.output).toContain('✖ formatTitle trims and collapses whitespace');
    expect(await read(dir, 'packages/shared/reports/junit.xml')).toContain('<failure');
  });

  it('coverage: shared tests still pass but its line coverage drops below 80 %', async () => {
    const dir = await buildableCopy();
    expect((await buildAndTest(dir, 'shared')).code).toBe(0);
    expect(await linePercent(dir, 'shared')).toBeGreaterThanOrEqual(80);

    await injectFault(dir, 'coverage');
    const test = await buildAndTest(dir, 'shared');
    expect(test.code, test.output).toBe(0);
    expect(await linePercent(dir, 'shared')).toBeLessThan(80);
  });

  it('browser and smoke: frontend unit tests still pass; the built page lacks "Embark" and asks /api/status', async () => {
    const dir = await buildableCopy('browser', 'smoke');
    const test = await buildAndTest(dir, 'shared', 'frontend');
    expect(test.code, test.output).toBe(0);
    expect(await read(dir, 'packages/frontend/dist/public/index.html')).not.toContain('Embark');
    expect(await read(dir, 'packages/frontend/dist/public/app.js')).toContain(`fetch('/api/status')`);
  });

  it('integration, deploy, image and manifest: backend unit tests still pass; the config loads with the broken values', async () => {
    const dir = await buildableCopy('integration', 'deploy', 'image', 'manifest');
    const test = await buildAndTest(dir, 'shared', 'backend');
    expect(test.code, test.output).toBe(0);
    const database = await read(dir, 'packages/backend/dist/database.js');
    expect(database).toContain('INSERT INTO notes (id, titel,');
    expect(database).toContain('SELECT 1 FROM notes_archive');
    expect(existsSync(join(dir, 'packages/backend/dist/main.js'))).toBe(false);
    const { config } = await loadConfig(dir);
    expect(config.services.backend.command).toEqual(['node', 'dist/main.js']);
    expect(config.services.backend.resources.memory).toBe('lots');
  });
});
