import { resolve } from 'node:path';
import { explainPackage, type PrerequisiteExplanation, type TestExplanation } from '../../build/why.ts';
import { loadConfig } from '../../config/load.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { dim } from '../../shared/feedback/sinks/terminal.ts';
import { resolveHome } from '../../shared/home.ts';
import { dependentsOf, type MissExplanation, type PackageHash, type PackageTasks } from '../../build/workspace/index.ts';
import type { Command } from '../command.ts';

const out = (line: string) => process.stdout.write(line + '\n');

/**
 * `slipway why <package>`: whether its build comes from cache, and if not which build inputs
 * changed; whether its tests would be replayed, and if not which test inputs changed; and which
 * of the configuration's `packages` overrides apply to it.
 */
export const whyCommand: Command = async (input) => {
  const name = input.args[0];
  if (!name) throw new Failure('slipway why needs a package name', { hint: 'e.g. `slipway why @embark/shared`' });
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);
  const { report, plan, explanation, tasks, tests, prerequisites } = await explainPackage({ repoDir, home, config, name, warn });
  if (input.json) {
    out(JSON.stringify(report, null, 2));
    return 0;
  }
  const { workspace, hashes } = plan;
  const before = (plan.prerequisites.get(name) ?? []).map((p) => `${p.package}#${p.script}`);
  for (const line of describeTasks(name, tasks, plan.compiledTests.get(name), before)) out(line);
  const builds = new Set([...plan.tasks].filter(([, packageTasks]) => packageTasks.build).map(([pkg]) => pkg));
  for (const line of describe(explanation, hashes, { builds, homeRoot: home.root })) out(line);
  // A build from cache runs none of them.
  if (explanation.verdict !== 'hit') for (const line of prerequisites.flatMap(describePrerequisite)) out(line);
  if (explanation.verdict !== 'hit') {
    const dependents = dependentsOf(workspace, [name]);
    if (dependents.length) out(dim(`rebuilding it rebuilds its dependents too: ${dependents.join(', ')}`));
  }
  for (const line of describeTests(name, tests)) out(line);
  return 0;
};

function describePrerequisite({ name, key, verdict, reasons }: PrerequisiteExplanation): string[] {
  const short = key.slice('prerequisite-'.length, 'prerequisite-'.length + 12);
  if (verdict === 'uncached') return [`${name}: run before the build, each time (turbo.json: "cache": false)`];
  if (verdict === 'hit') return [`${name}: cache hit (${short} is cached; restored before the build, not run)`];
  if (verdict === 'first') return [`${name}: run before the build (${short}): no earlier run recorded`];
  if (reasons.length === 0) return [`${name}: run before the build (${short}): its inputs match the last run, which is no longer cached`];
  return [`${name}: run before the build (${short}), because:`, ...reasons.map((reason) => `  ${reason}`)];
}

/** Which script each task runs, what its inputs are, and the overrides that said so. */
function describeTasks(name: string, tasks: PackageTasks, compiledTest: string | undefined, before: string[]): string[] {
  const via = tasks.overrides.length ? ` (${tasks.overrides.map((key) => `packages["${key}"]`).join(', ')} in the configuration)` : '';
  if (tasks.skipped) return [`${name}: skipped by config${via}: none of its tasks run; it is hashed for its dependents`];
  const task = (kind: string, script: string | undefined) => `${kind}: ${script === undefined ? 'none' : `"${script}"`}`;
  return [
    `${name}: ${task('build', tasks.build?.script)}, ${task('test', tasks.test?.script)}${via}`,
    dim(
      `  build inputs: ${tasks.buildInputs.join(' ')}${compiledTest ? ` and its test files (its build writes compiled tests: ${compiledTest})` : ''}`,
    ),
    dim(`  test inputs: ${tasks.testInputs.join(' ')}`),
    ...(before.length ? [dim(`  before its build (turbo.json dependsOn): ${before.join(', ')}`)] : []),
  ];
}

function describeTests(name: string, tests: TestExplanation): string[] {
  const key = tests.key?.slice(5, 17);
  if (tests.verdict === 'none') return [];
  if (tests.verdict === 'hit') return [`${name} tests: replayed from cache (test key ${key}; not re-run)`];
  if (tests.verdict === 'first') return [`${name} tests: run (test key ${key}): no earlier run recorded`];
  if (tests.reasons.length === 0)
    return [`${name} tests: run (test key ${key}): its inputs match the last run, which did not pass or is no longer cached`];
  return [
    `${name} tests: run (test key ${key}), because:`,
    ...tests.reasons.map((reason) => `  ${reason === 'build changed' ? 'its build changed (above)' : reason}`),
    ...(tests.testFilesOnly ? [dim("  test inputs only: nothing is rebuilt, and no dependent's tests re-run")] : []),
  ];
}

function describe(explanation: MissExplanation, hashes: ReadonlyMap<string, PackageHash>, context: DescribeContext, depth = 0): string[] {
  const indent = '  '.repeat(depth);
  const { name } = explanation;
  const hash = hashes.get(name)!.hash.slice(0, 12);
  // A package without a build (none, `build: false`, skipped) still has a hash its dependents' cover.
  const what = context.builds.has(name) ? `cache miss (build ${hash})` : `no build to run (build inputs ${hash})`;
  if (explanation.verdict === 'hit') return [`${indent}${name}: cache hit (build ${hash} is cached; restored, not rebuilt)`];
  if (explanation.verdict === 'first') return [`${indent}${name}: ${what}: no earlier build recorded in ${context.homeRoot}`];
  if (!context.builds.has(name) && explanation.reasons.length === 0) return [`${indent}${name}: ${what}, unchanged since the last run`];
  const reasons = explanation.reasons.flatMap((reason) => {
    const dep = explanation.because.find((inner) => reason === `dependency ${inner.name} changed`);
    return dep ? describe(dep, hashes, context, depth + 1) : [`${indent}  ${reason}`];
  });
  return [
    `${indent}${name}: ${what}, because:`,
    ...(reasons.length ? reasons : [`${indent}  its inputs match the last build, but that build is no longer in the cache (evicted)`]),
  ];
}

interface DescribeContext {
  /** Packages with a build task. */
  builds: ReadonlySet<string>;
  homeRoot: string;
}
