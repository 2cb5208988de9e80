import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate.ts';
import { TaskInputs } from './build-inputs.ts';
import { CompiledTests } from './compiled-tests.ts';
import { explainMiss, explainTestMiss } from './explain.ts';

let root: string;

async function write(relPath: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, relPath)), { recursive: true });
  await writeFile(join(root, relPath), content);
}

/** An npm workspace: @x/app -> @x/mid -> @x/core, each with a source and a test file, committed. */
async function createRepo(): Promise<void> {
  await write('package.json', JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }));
  const chain = [['core'], ['mid', 'core'], ['app', 'mid']];
  for (const [name, dep] of chain) {
    const dependencies = dep ? { [`@x/${dep}`]: '1.0.0' } : {};
    await write(
      `packages/${name}/package.json`,
      JSON.stringify({ name: `@x/${name}`, version: '1.0.0', dependencies, scripts: { build: 'tsc', test: 'vitest run' } }),
    );
    await write(`packages/${name}/src/index.ts`, `export const ${name} = 1;\n`);
    await write(`packages/${name}/src/index.test.ts`, `import { ${name} } from './index.js';\n`);
    await write(`packages/${name}/README.md`, `# ${name}\n`);
  }
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['add', '.'], { cwd: root });
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init'], { cwd: root });
}

const names = ['@x/core', '@x/mid', '@x/app'];

async function read(raw: Record<string, unknown> = {}, memo = new CompiledTests(join(root, '.home'))) {
  const plan = await TaskInputs.read(root, validateConfig({ project: 'p', ...raw }, 'c'), memo);
  return {
    plan,
    build: Object.fromEntries(names.map((name) => [name, plan.hashes.get(name)!.hash])),
    test: Object.fromEntries(names.map((name) => [name, plan.tests.get(name)!.hash])),
  };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-task-inputs-'));
  await createRepo();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('TaskInputs', () => {
  it("changes only that package's test key when a test file is edited", async () => {
    const before = await read();
    await write('packages/core/src/index.test.ts', "import { core } from './index.js';\nexport const more = core;\n");
    const after = await read();
    expect(after.build).toEqual(before.build);
    expect(after.test['@x/core']).not.toBe(before.test['@x/core']);
    expect(after.test['@x/mid']).toBe(before.test['@x/mid']);
    expect(after.test['@x/app']).toBe(before.test['@x/app']);
    const core = (result: typeof before) => result.plan.tests.get('@x/core')!.inputs;
    expect(explainTestMiss(core(before), core(after))).toEqual(['test input src/index.test.ts changed']);
  });

  it('changes the build hash and test key of a package and its dependents when a source is edited', async () => {
    const before = await read();
    await write('packages/mid/src/index.ts', 'export const mid = 2;\n');
    const after = await read();
    expect(after.build['@x/core']).toBe(before.build['@x/core']);
    expect(after.test['@x/core']).toBe(before.test['@x/core']);
    for (const name of ['@x/mid', '@x/app']) {
      expect(after.build[name]).not.toBe(before.build[name]);
      expect(after.test[name]).not.toBe(before.test[name]);
    }
    const mid = (result: typeof before) => result.plan.tests.get('@x/mid')!.inputs;
    expect(explainTestMiss(mid(before), mid(after))).toEqual(['build changed', 'test input src/index.ts changed']);
    const app = (result: typeof before) => result.plan.hashes.get('@x/app')!.inputs;
    expect(explainMiss(app(before), app(after))).toEqual(['dependency @x/mid changed']);
  });

  it("follows a package's own inputs: a file outside its build inputs only re-runs its tests", async () => {
    const config = { packages: { '@x/core': { inputs: { build: ['src/**', 'package.json', '!**/*.test.ts'] } } } };
    const before = await read(config);
    await write('packages/core/README.md', '# core, documented\n');
    const after = await read(config);
    expect(after.build).toEqual(before.build);
    expect(after.test['@x/core']).not.toBe(before.test['@x/core']);
    // With test inputs of its own too, the README is nobody's input.
    const narrow = { packages: { '@x/core': { inputs: { build: ['src/**', '!**/*.test.ts'], test: ['src/**'] } } } };
    const narrowBefore = await read(narrow);
    await write('packages/core/README.md', '# core, documented once more\n');
    const narrowAfter = await read(narrow);
    expect(narrowAfter.build).toEqual(narrowBefore.build);
    expect(narrowAfter.test).toEqual(narrowBefore.test);
    // Without the override, the README is a build input of core and so of its dependents.
    const plain = await read();
    await write('packages/core/README.md', '# core, documented again\n');
    expect((await read()).build['@x/app']).not.toBe(plain.build['@x/app']);
  });

  it('makes test files build inputs of a package whose build compiles them, from then on', async () => {
    const memo = new CompiledTests(join(root, '.home'));
    const before = await read({}, memo);
    // The packages stage found dist/index.test.js after building core: its hashes and its dependents' change.
    expect(before.plan.compiledTestsFound('@x/core', 'dist/src/index.test.js')).toBe(true);
    expect(before.plan.compiledTestsFound('@x/core', 'dist/src/index.test.js')).toBe(false); // nothing new
    for (const name of names) expect(before.plan.hashes.get(name)!.hash).not.toBe(before.build[name]);
    expect(Object.keys(before.plan.hashes.get('@x/core')!.inputs.files)).toContain('src/index.test.ts');
    await memo.record('@x/core', 'dist/src/index.test.js');

    // The next run reads the memo: an edited test of core now rebuilds core and its dependents.
    const remembered = await read({}, memo);
    expect(remembered.build['@x/core']).toBe(before.plan.hashes.get('@x/core')!.hash);
    await write('packages/core/src/index.test.ts', "import { core } from './index.js';\nexport const more = core;\n");
    const edited = await read({}, memo);
    for (const name of names) expect(edited.build[name]).not.toBe(remembered.build[name]);
    expect(explainMiss(remembered.plan.hashes.get('@x/core')!.inputs, edited.plan.hashes.get('@x/core')!.inputs)).toEqual([
      'src/index.test.ts changed',
    ]);
    // Its build stops compiling tests: they are out of its build inputs again.
    expect(edited.plan.compiledTestsFound('@x/core', undefined)).toBe(true);
    expect(Object.keys(edited.plan.hashes.get('@x/core')!.inputs.files)).not.toContain('src/index.test.ts');
  });
});
