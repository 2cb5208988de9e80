import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTrailer, readManifest } from '../build/cache/entry-file.ts';
import { exec } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const slipway = (...args: string[]) => exec(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });

/** Tests run from src/ (node's runner, a JUnit report); the build copies src/ to dist/ without them. */
function manifest(name: string, dependencies: Record<string, string>, scripts: Record<string, string> = {}): string {
  const test =
    'mkdir -p reports && node --test --test-reporter=spec --test-reporter-destination=stdout ' +
    '--test-reporter=junit --test-reporter-destination=reports/junit.xml src/';
  const value = {
    name,
    version: '1.0.0',
    type: 'module',
    exports: './dist/index.js',
    dependencies,
    scripts: { build: 'node ../../build.mjs', test, ...scripts },
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

const testOf = (name: string, expression: string, expected: number) =>
  `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { ${name} } from './index.js';\ntest('${name}', () => assert.equal(${expression}, ${expected}));\n`;

/** @ci/core <- @ci/mid <- @ci/app, and a docs package the configuration skips. */
const files = {
  'build.mjs':
    "import { cpSync } from 'node:fs';\ncpSync('src', 'dist', { recursive: true, filter: (path) => !/\\.test\\./.test(path) });\nconsole.log('built ' + process.cwd());\n",
  'packages/core/package.json': manifest('@ci/core', {}),
  // Its "build" script fails: the configuration gives it another.
  'packages/mid/package.json': manifest('@ci/mid', { '@ci/core': '*' }, { build: 'exit 9', 'build:lib': 'node ../../build.mjs' }),
  'packages/mid/src/index.js': "import { double } from '@ci/core';\nexport const triple = (n) => double(n) + n;\n",
  'packages/mid/src/index.test.js': testOf('triple', 'triple(2)', 6),
  'packages/app/package.json': manifest('@ci/app', { '@ci/mid': '*' }),
  'packages/app/src/index.js': "import { triple } from '@ci/mid';\nexport const nine = (n) => triple(triple(n));\n",
  'packages/app/src/index.test.js': testOf('nine', 'nine(1)', 9),
  'packages/docs/package.json': manifest('docs', {}, { build: 'exit 3', test: 'exit 4' }),
  'packages/docs/src/index.js': 'export const title = "docs";\n',
};

/**
 * A workspace whose @ci/app build fails unless @ci/core's `types` script ran first, as turbo.json's
 * dependsOn says (`typesTask`: turbo.json's own definition of that task, e.g. its outputs).
 */
const createTypesWorkspace = (repo: string, opts: { types: string; typesTask?: Record<string, unknown>; extra?: Record<string, string> }) =>
  createCiWorkspace(
    repo,
    {},
    {
      ...files,
      ...opts.extra,
      '.gitignore': 'node_modules\ndist\nreports\ncoverage\ntypes\n',
      'turbo.json': JSON.stringify({
        tasks: {
          build: { dependsOn: ['^build'] },
          '@ci/app#build': { dependsOn: ['@ci/core#types'] },
          ...(opts.typesTask && { '@ci/core#types': opts.typesTask }),
        },
      }),
      'packages/core/package.json': manifest('@ci/core', {}, { types: opts.types }),
      'packages/app/package.json': manifest(
        '@ci/app',
        { '@ci/mid': '*' },
        { build: 'test -f ../core/types/index.d.ts && node ../../build.mjs' },
      ),
      'packages/mid/package.json': manifest('@ci/mid', { '@ci/core': '*' }),
      'packages/docs/package.json': manifest('docs', {}),
    },
  );

describe('task inputs and per-package settings through `slipway ci`', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-inputs-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("runs only the lowest package's tests when one of its test files is edited, building nothing", async () => {
    const repo = join(work, 'tests-from-src');
    await createCiWorkspace(repo, { packages: { docs: { skip: true }, '@ci/mid': { build: 'build:lib' } } }, files);
    const home = join(work, 'tests-from-src-home');
    const first = await slipway('ci', '--repo', repo, '--home', home);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/packages +3 packages: 0 from cache, 3 built \(.*\); 1 package skipped by config \(docs\)/);
    expect(first.output).toMatch(/unit +3 tests passed in 3 packages \(/);

    const coreTest = join(repo, 'packages/core/src/index.test.js');
    await writeFile(coreTest, (await readFile(coreTest, 'utf8')) + "test('doubles zero', () => assert.equal(double(0), 0));\n");
    const why = await slipway('why', '@ci/core', '--repo', repo, '--home', home);
    expect(why.code, why.output).toBe(0);
    expect(why.stdout).toMatch(/@ci\/core: cache hit \(build [0-9a-f]{12} is cached/);
    expect(why.stdout).toMatch(/@ci\/core tests: run \(test key [0-9a-f]{12}\), because:\n {2}test input src\/index\.test\.js changed\n/);
    expect(why.stdout).toContain("test inputs only: nothing is rebuilt, and no dependent's tests re-run");
    const whyJson = await slipway('why', '@ci/core', '--json', '--repo', repo, '--home', home);
    expect(JSON.parse(whyJson.stdout)).toMatchObject({
      package: '@ci/core',
      verdict: 'hit',
      tests: { verdict: 'changed', reasons: ['test input src/index.test.js changed'], testFilesOnly: true },
      config: { overrides: [], skipped: false, build: 'build', test: 'test', testInputs: ['**'] },
    });

    const edited = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(edited.code, edited.output).toBe(0);
    expect(edited.output).toMatch(/packages +3 packages: 3 from cache, 0 built; 1 package skipped by config \(docs\)/);
    expect(edited.output).toMatch(/unit +4 tests passed in 3 packages, 2 replayed from cache/);
    expect(edited.output).toContain('@ci/mid: results replayed from cache');
    expect(edited.output).toContain('@ci/app: results replayed from cache');
    expect(edited.output).not.toContain('@ci/core: results replayed from cache');
    expect(edited.output).not.toMatch(/built \/.*packages\/(core|mid|app)/); // no build script ran
    expect(edited.output).not.toMatch(/docs │/); // the skipped package's failing scripts never ran

    // A failing edit to that test fails the run, named by its package.
    await writeFile(coreTest, testOf('double', 'double(2)', 5));
    const failing = await slipway('ci', '--repo', repo, '--home', home);
    expect(failing.code).toBe(1);
    expect(failing.output).toMatch(/Unit tests failed: .*@ci\/core/);

    // `why` names the override that applies, and what a skipped package still is.
    const whyDocs = await slipway('why', 'docs', '--repo', repo, '--home', home);
    expect(whyDocs.code, whyDocs.output).toBe(0);
    expect(whyDocs.stdout).toContain(
      'docs: skipped by config (packages["docs"] in the configuration): none of its tasks run; it is hashed for its dependents',
    );
    const whyMid = await slipway('why', '@ci/mid', '--repo', repo, '--home', home);
    expect(whyMid.stdout).toContain('@ci/mid: build: "build:lib", test: "test" (packages["@ci/mid"] in the configuration)');
    expect(whyDocs.stdout).toMatch(/docs: no build to run \(build inputs [0-9a-f]{12}\), unchanged since the last run/);
  });

  it('treats test files as build inputs of a build that compiles them, so an edited test never runs stale', async () => {
    // The plain fixture's build copies its tests into dist/, and its tests run from there.
    const repo = join(work, 'compiled-tests');
    await createCiWorkspace(repo);
    const home = join(work, 'compiled-tests-home');
    const first = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain("@ci/core's build writes compiled tests (dist/index.test.js): its test files are build inputs");
    expect(first.output.match(/build writes compiled tests/g)).toHaveLength(2); // @ci/core and @ci/app, once each

    await writeFile(join(repo, 'packages/core/src/index.test.js'), testOf('double', 'double(2)', 5));
    const edited = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(edited.code, edited.output).toBe(1);
    expect(edited.output).toContain('@ci/core: cache miss: src/index.test.js changed');
    expect(edited.output).toMatch(/Unit tests failed: .*@ci\/core/);
    expect(edited.output).not.toMatch(/build writes compiled tests/); // said once, when found

    const why = await slipway('why', '@ci/core', '--repo', repo, '--home', home);
    expect(why.stdout).toContain('and its test files (its build writes compiled tests: dist/index.test.js)');
  });
  it("runs the scripts turbo.json's dependsOn names before a build that needs them, and names a failing one", async () => {
    const repo = join(work, 'turbo');
    const writeTypes =
      "node -e \"require('fs').mkdirSync('types',{recursive:true});require('fs').writeFileSync('types/index.d.ts','export {}')\"";
    await createTypesWorkspace(repo, { types: writeTypes });
    const home = join(work, 'turbo-home');
    const run = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('@ci/core#types: run before the build of @ci/app (turbo.json dependsOn)');
    expect(run.output).toMatch(/packages +4 packages: 0 from cache, 4 built/);
    const why = await slipway('why', '@ci/app', '--repo', repo, '--home', home);
    expect(why.stdout).toContain('before its build (turbo.json dependsOn): @ci/core#types');

    // The prerequisite's script is part of the build's inputs: changed (and failing), it runs again.
    const path = join(repo, 'packages/core/package.json');
    const core = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...core, scripts: { ...core.scripts, types: 'echo no types here && exit 7' } }));
    const failing = await slipway('ci', '--repo', repo, '--home', home);
    expect(failing.code).toBe(1);
    expect(failing.output).toContain('@ci/core#types failed before the build of @ci/app (npm run types exited with 7)');
    expect(failing.output).toContain('turbo.json: the build of @ci/app depends on @ci/core#types');
    expect(failing.output).toContain('no types here');
  });

  it("restores a turbo.json prerequisite's outputs from cache, runs it again when its package changes, and refuses a tampered entry", async () => {
    const repo = join(work, 'turbo-cached');
    const home = join(work, 'turbo-cached-home');
    // Outside the repository and the outputs: how many times the script really ran.
    const counter = join(work, 'types-runs');
    const typesScript =
      "import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';\n" +
      'appendFileSync(process.argv[2], "ran\\n");\n' +
      "mkdirSync('types', { recursive: true });\n" +
      "writeFileSync('types/index.d.ts', '// from ' + readFileSync('src/index.js', 'utf8').length + ' bytes of source\\n');\n";
    await createTypesWorkspace(repo, {
      types: `node ../../types.mjs ${counter}`,
      typesTask: { outputs: ['types/**'] },
      extra: { 'types.mjs': typesScript },
    });
    const runs = async () => (await readFile(counter, 'utf8')).split('\n').filter(Boolean).length;
    const types = join(repo, 'packages/core/types/index.d.ts');
    const appSource = join(repo, 'packages/app/src/index.js');
    const editApp = async (comment: string) => writeFile(appSource, `${await readFile(appSource, 'utf8')}// ${comment}\n`);
    const ci = async () => {
      const run = await slipway('ci', '--repo', repo, '--home', home, '--verbose');
      expect(run.code, run.output).toBe(0);
      return run.output;
    };

    const first = await ci();
    expect(first).toContain('@ci/core#types: cache miss: first run');
    expect(await runs()).toBe(1);
    const generated = await readFile(types, 'utf8');

    // A dependent edited: its build runs, the prerequisite's outputs come from the cache.
    await rm(join(repo, 'packages/core/types'), { recursive: true });
    await editApp('edited');
    const whyHit = await slipway('why', '@ci/app', '--repo', repo, '--home', home);
    expect(whyHit.stdout).toMatch(/@ci\/core#types: cache hit \([0-9a-f]{12} is cached; restored before the build, not run\)/);
    const dependentEdited = await ci();
    expect(dependentEdited).toContain('@ci/core#types: restored from cache');
    expect(dependentEdited).toMatch(/packages +4 packages: 3 from cache, 1 built \(@ci\/app\)/);
    expect(await runs()).toBe(1);
    expect(await readFile(types, 'utf8')).toBe(generated);

    // Its own package edited: it runs again, and the log and `why` say why as for a build.
    const coreSource = join(repo, 'packages/core/src/index.js');
    await writeFile(coreSource, `${await readFile(coreSource, 'utf8')}export const half = (n) => n / 2;\n`);
    const whyMiss = await slipway('why', '@ci/app', '--repo', repo, '--home', home);
    expect(whyMiss.stdout).toMatch(
      /@ci\/core#types: run before the build \([0-9a-f]{12}\), because:\n {2}@ci\/core: src\/index\.js changed\n/,
    );
    const whyJson = JSON.parse((await slipway('why', '@ci/app', '--json', '--repo', repo, '--home', home)).stdout);
    expect(whyJson.prerequisites).toEqual([
      {
        name: '@ci/core#types',
        key: expect.stringMatching(/^prerequisite-[0-9a-f]{64}$/),
        verdict: 'changed',
        reasons: ['@ci/core: src/index.js changed'],
      },
    ]);
    const ownEdited = await ci();
    expect(ownEdited).toContain('@ci/core#types: cache miss: @ci/core: src/index.js changed');
    expect(await runs()).toBe(2);
    expect(await readFile(types, 'utf8')).not.toBe(generated);

    // Its entry made to list a file outside its outputs: refused, and the script runs again.
    const entries = (await readdir(join(home, 'cache/outputs'))).filter((name) => name.startsWith('prerequisite-'));
    const current = whyJson.prerequisites[0].key as string;
    expect(entries).toContain(`${current}.entry`);
    const entryPath = join(home, 'cache/outputs', `${current}.entry`);
    const handle = await open(entryPath, 'r');
    const entry = (await readManifest(handle))!;
    await handle.close();
    const archive = (await readFile(entryPath)).subarray(0, entry.size);
    const tampered = { ...entry, meta: { ...entry.meta, outputs: ['types/index.d.ts', 'src/index.js'] } };
    await writeFile(entryPath, Buffer.concat([archive, encodeTrailer(tampered)]));
    const source = await readFile(coreSource, 'utf8');
    await editApp('edited again');
    const refused = await ci();
    expect(refused).toContain(
      `Cache entry ${current} was refused: it holds "src/index.js", which the outputs (types/**) do not name; treated as a miss.`,
    );
    expect(refused).toContain('@ci/core#types: run before the build of @ci/app (turbo.json dependsOn)');
    expect(await runs()).toBe(3);
    expect(await readFile(coreSource, 'utf8')).toBe(source);
  });
});
