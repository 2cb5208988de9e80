/**
 * What the benchmark does to the generated repo between runs: wipe it back to cold, make a source
 * change, and check afterwards that a tool really left every output in place.
 */
import { access, appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../src/shared/exec.ts';
import type { MonorepoPlan, PackagePlan } from './plan.ts';
import { testFile } from './sources.ts';

/** The source file edits append to, and the output tsc compiles it to. */
const editedSource = 'src/text.ts';
const editedOutput = 'dist/text.js';

/**
 * Removes every untracked and ignored file but the installed dependencies: all outputs (dist,
 * reports, coverage) and the tools' caches (.turbo, the Slipway home .slipway).
 */
export async function resetToCold(dir: string): Promise<void> {
  const result = await exec('git', ['clean', '-fdxq', '-e', 'node_modules'], { cwd: dir });
  if (result.code !== 0) throw new Error(`git clean failed in ${dir}:\n${result.output}`);
}

/** The name of the function an edit tagged `tag` adds: `leaf 2` adds `edited_leaf_2`. */
export function editedFunctionName(tag: string): string {
  return `edited_${tag.replace(/\W/g, '_')}`;
}

/** Appends a new exported function to a package's source, the same in every copy of the repo. */
export async function editSource(dir: string, pkg: PackagePlan, tag: string): Promise<void> {
  await appendFile(
    join(dir, 'packages', pkg.dir, editedSource),
    `\nexport function ${editedFunctionName(tag)}(): string {\n  return '${tag}';\n}\n`,
  );
}

/** What an edit changes: a package's source (rebuilt and retested), or its tests (retested only). */
export type EditKind = 'source' | 'test';

/** The test an edit tagged `tag` adds: `root-test 1` adds "edited root-test 1". */
export function editedTestName(tag: string): string {
  return `edited ${tag}`;
}

/** Appends a test to a package's tests, passing or with a broken assertion, the same in every copy of the repo. */
export async function editTest(dir: string, pkg: PackagePlan, tag: string, passing = true): Promise<void> {
  const assertion = passing ? `assert.equal(pkg.clamp(15, 0, 10), 10)` : `assert.equal(pkg.clamp(15, 0, 10), 11)`;
  await appendFile(join(dir, 'packages', pkg.dir, testFile), `\ntest('${editedTestName(tag)}', () => {\n  ${assertion};\n});\n`);
}

/** Puts a package's tests back as generated, undoing test edits. */
export async function restoreTests(dir: string, pkg: PackagePlan, original: string): Promise<void> {
  await writeFile(join(dir, 'packages', pkg.dir, testFile), original);
}

/** A package's tests as they are now. */
export function readTests(dir: string, pkg: PackagePlan): Promise<string> {
  return readFile(join(dir, 'packages', pkg.dir, testFile), 'utf8');
}

/** Deletes the edited file's compiled output, so only a tool that rebuilds (or restores) it passes. */
export async function removeEditedOutput(dir: string, pkg: PackagePlan): Promise<void> {
  await rm(join(dir, 'packages', pkg.dir, editedOutput), { force: true });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Every package's build and test outputs exist, and the edited package's output has the
 * function just added (a source edit) or its test report the test just added (a test edit).
 * Returns what is wrong, one line each; empty when all is well.
 */
export async function missingOutputs(
  dir: string,
  plan: MonorepoPlan,
  edit?: { pkg: PackagePlan; kind: EditKind; tag: string },
): Promise<string[]> {
  const problems: string[] = [];
  for (const pkg of plan.packages) {
    for (const output of ['dist/index.js', 'reports/junit.xml']) {
      if (!(await exists(join(dir, 'packages', pkg.dir, output)))) problems.push(`${pkg.dir}/${output} is missing`);
    }
  }
  if (edit?.kind === 'source') {
    const path = join(dir, 'packages', edit.pkg.dir, editedOutput);
    const compiled = await readFile(path, 'utf8').catch(() => '');
    const functionName = editedFunctionName(edit.tag);
    if (!compiled.includes(`function ${functionName}(`)) problems.push(`${edit.pkg.dir}/${editedOutput} lacks the edit ${functionName}`);
  }
  if (edit?.kind === 'test') {
    const report = await readFile(join(dir, 'packages', edit.pkg.dir, 'reports/junit.xml'), 'utf8').catch(() => '');
    if (!report.includes(editedTestName(edit.tag)))
      problems.push(`${edit.pkg.dir}/reports/junit.xml lacks the test "${editedTestName(edit.tag)}"`);
  }
  return problems;
}
