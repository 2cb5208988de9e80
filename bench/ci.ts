/**
 * `npm run bench:ci`: Slipway against Turborepo building and testing a synthetic 100-package
 * monorepo (and, cold, against no tool at all), wall-clock through each real command line:
 * - cold: outputs removed, caches empty;
 * - full-hit: nothing changed since the previous run;
 * - leaf: one package nothing depends on changed;
 * - root: the package everything depends on changed;
 * - root-test: a test of that package edited (its sources unchanged);
 * - first-failure: a broken assertion in that package's tests, timed from start to the tool's exit
 *   (Slipway fails fast by default, so does Turborepo).
 * Options: --quick (6 packages, fewer runs: a smoke run), --packages N (any size; 100 by default),
 * --keep (leave the generated repo), --tools raw,turbo (measure a subset), --no-cold (skip the
 * cold, root and root-test cases, which rebuild or retest everything: each tool is primed instead
 * by one unmeasured full run), --reuse <dir> (the copies a run with --keep left in <dir>: no
 * generation; sources the last run edited are put back first), --light (packages whose scripts copy
 * files and write fixed reports instead of compiling and testing, see ScriptKind: the tools'
 * own overhead at sizes a loaded machine cannot build for real; no root-test or first-failure
 * case, as no test file runs). Each Slipway and Turborepo run's
 * peak RSS is measured too, and the size of Slipway's home after the runs. Results go to
 * bench/results/ci.json for 100 packages, ci-quick.json for --quick, ci-<N>.json otherwise (-light added); at
 * another size than 100 (not --quick), each case's growth from ci.json (ci-light.json) is printed.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exec, tailLines } from '../src/shared/exec.ts';
import { formatBytes } from '../src/shared/bytes.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { homeSize } from './ci/home-size.ts';
import { planMonorepo, type MonorepoPlan, type PackagePlan } from './ci/plan.ts';
import { caseTable, growth, growthTable, summarize, summaryTable, type BaselineCase, type CaseResult } from './ci/report.ts';
import { commandLine, runTool, toolNames, turboBin, type ToolName } from './ci/tools.ts';
import {
  editedTestName,
  editSource,
  editTest,
  missingOutputs,
  readTests,
  removeEditedOutput,
  resetToCold,
  restoreTests,
  type EditKind,
} from './ci/workspace.ts';
import type { ScriptKind } from './ci/sources.ts';
import { generateMonorepo } from './synthetic-monorepo.ts';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    tools: { type: 'string', default: toolNames.join(',') },
    packages: { type: 'string' },
    'no-cold': { type: 'boolean', default: false },
    reuse: { type: 'string' },
    light: { type: 'boolean', default: false },
  },
});
const tools = options.tools.split(',').map((tool) => tool.trim()) as ToolName[];
const unknownTool = tools.find((tool) => !toolNames.includes(tool));
if (unknownTool) throw new Error(`unknown tool ${unknownTool}: use some of ${toolNames.join(',')}`);
const baselinePackages = 100;
const packages = options.packages === undefined ? (options.quick ? 6 : baselinePackages) : Number(options.packages);
if (!Number.isInteger(packages) || packages < 2)
  throw new Error(`--packages must be a whole number of at least 2, got ${options.packages}`);
// A quick run's warm cases last about a second: three of each make a median worth comparing.
const settings = options.quick
  ? { hits: 3, leafEdits: 3, rootTests: 3, failures: 3 }
  : { hits: 5, leafEdits: 3, rootTests: 1, failures: 3 };
const cold = !options['no-cold'];
const resultsName = options.quick
  ? packages === 6
    ? 'ci-quick'
    : `ci-quick-${packages}`
  : packages === baselinePackages
    ? 'ci'
    : `ci-${packages}`;
const scripts: ScriptKind = options.light ? 'light' : 'real';
const lightSuffix = options.light ? '-light' : '';
const resultsFile = fileURLToPath(new URL(`results/${resultsName}${lightSuffix}.json`, import.meta.url));
// Growth is measured against the 100-package run of the same scripts.
const baselineFile = fileURLToPath(new URL(`results/ci${lightSuffix}.json`, import.meta.url));

const say = (line = '') => process.stdout.write(`${line}\n`);

/** A run that failed or skipped work: the benchmark stops, showing the tool's own words. */
class BenchAbort extends Error {
  constructor(
    message: string,
    readonly excerpt: string[],
  ) {
    super(message);
  }
}

interface CaseSpec {
  name: string;
  description: string;
  tools: ToolName[];
  repetitions: number;
  /** Every run starts with no outputs and an empty cache. */
  cold?: boolean;
  /** Which package each repetition edits, and what of it, before any tool runs. */
  edits?: { pkg: PackagePlan; kind: EditKind };
  /** Each repetition breaks an assertion in this package's tests: every tool must fail on it. */
  breaks?: PackagePlan;
}

const started = performance.now();
const turboVersion = (await exec(turboBin, ['--version'])).stdout.trim();
// The machine is shared: the load before the run tells how much of the noise was other work.
const loadAverage = Number(loadavg()[0].toFixed(2));
const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  node: process.version,
  turbo: turboVersion,
  loadAverage,
};
say(`machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, turbo ${machine.turbo}, load average ${loadAverage}`);

/**
 * A kept copy is reused only if it is the repo this plan generates: every package directory there,
 * none more. Sources a previous run's edits appended to are put back as committed.
 */
async function reuseCopy(dir: string, plan: MonorepoPlan): Promise<void> {
  const found = await readdir(join(dir, 'packages')).catch(() => {
    throw new Error(`--reuse: ${dir} has no packages/ directory; pass the directory a run with --keep printed`);
  });
  const expected = new Set(plan.packages.map((pkg) => pkg.dir));
  const strays = found.filter((name) => !expected.delete(name));
  if (strays.length || expected.size)
    throw new Error(
      `--reuse: ${dir} is not the ${plan.packages.length}-package monorepo (${expected.size} package directories missing, ${strays.length} unexpected); pass the same --packages as the run that kept it`,
    );
  const result = await exec('git', ['checkout', '-q', '--', '.'], { cwd: dir });
  if (result.code !== 0) throw new Error(`--reuse: git checkout failed in ${dir}:\n${result.output}`);
}

const workDir = options.reuse ?? (await mkdtemp(join(tmpdir(), 'slipway-bench-ci-')));
const keep = options.keep || options.reuse !== undefined;
try {
  // One identical copy of the repo per tool: in a shared checkout each tool would find outputs
  // last written by the other and restore them all from its cache, a cost no real CI run pays.
  const generation = performance.now();
  const plan = planMonorepo(packages);
  const repos = {} as Record<ToolName, string>;
  for (const tool of tools) {
    repos[tool] = join(workDir, tool);
    if (options.reuse) await reuseCopy(repos[tool], plan);
    else {
      await mkdir(repos[tool]);
      await generateMonorepo(repos[tool], { packages, scripts });
    }
  }
  const levels = Math.max(...plan.packages.map((pkg) => pkg.level)) + 1;
  const where = keep ? `${workDir} (kept)` : workDir;
  const made = options.reuse ? 'reused' : `generated in ${((performance.now() - generation) / 1000).toFixed(1)} s`;
  say(`monorepo: ${plan.packages.length} packages on ${levels} levels, one copy per tool in ${where}, ${made}`);
  for (const tool of tools) say(`${tool}: ${commandLine(tool, repos[tool]).join(' ')}`);

  const measure = async (spec: CaseSpec): Promise<CaseResult> => {
    say();
    const samples: CaseResult['samples'] = {};
    const peakRss: NonNullable<CaseResult['peakRss']> = {};
    for (let repetition = 1; repetition <= spec.repetitions; repetition++) {
      const tag = `${spec.name} ${repetition}`;
      const edit = spec.edits && { ...spec.edits, tag };
      const originalTests = new Map<ToolName, string>();
      for (const tool of spec.tools) {
        if (edit?.kind === 'source') await editSource(repos[tool], edit.pkg, tag);
        if (edit?.kind === 'test') await editTest(repos[tool], edit.pkg, tag);
        if (spec.breaks) {
          originalTests.set(tool, await readTests(repos[tool], spec.breaks));
          await editTest(repos[tool], spec.breaks, tag, false);
        }
      }
      // Alternate which tool goes first, so neither always gets the warmer page cache.
      const order = repetition % 2 === 1 ? spec.tools : [...spec.tools].reverse();
      for (const tool of order) {
        const dir = repos[tool];
        if (spec.cold) await resetToCold(dir);
        if (edit?.kind === 'source') await removeEditedOutput(dir, edit.pkg);
        const run = await runTool(tool, dir, plan);
        const label = `${spec.name} ${repetition}/${spec.repetitions} ${tool}`;
        if (spec.breaks) {
          if (run.code === 0) throw new BenchAbort(`${label} exited 0 with a broken test`, tailLines(run.output, 40));
          if (!run.output.includes(editedTestName(tag)))
            throw new BenchAbort(`${label} failed, but not naming the broken test "${editedTestName(tag)}"`, tailLines(run.output, 40));
        } else {
          if (run.code !== 0) throw new BenchAbort(`${label} exited with code ${run.code}`, tailLines(run.output, 40));
          const problems = await missingOutputs(dir, plan, edit);
          if (problems.length)
            throw new BenchAbort(`${label} exited 0 but its outputs are not all there`, [
              ...problems.slice(0, 10),
              ...tailLines(run.output, 20),
            ]);
        }
        (samples[tool] ??= []).push(run.seconds);
        if (run.peakRss !== undefined) (peakRss[tool] ??= []).push(run.peakRss);
        const memory = run.peakRss === undefined ? '' : `, peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MB`;
        say(`  ${label}: ${run.seconds.toFixed(2)} s${memory}, load average ${loadavg()[0].toFixed(2)}`);
      }
      for (const [tool, original] of originalTests) await restoreTests(repos[tool], spec.breaks!, original);
    }
    const result = { name: spec.name, description: spec.description, samples, peakRss };
    for (const line of caseTable(result)) say(line);
    return result;
  };

  const cached = tools.filter((tool) => tool !== 'raw');
  if (!cold) {
    // Without the cold case, one full run per tool leaves each cache as the cold run would have.
    say();
    for (const tool of cached) {
      const run = await runTool(tool, repos[tool], plan);
      if (run.code !== 0) throw new BenchAbort(`priming ${tool} exited with code ${run.code}`, tailLines(run.output, 40));
      say(`  prime ${tool} (not measured): ${run.seconds.toFixed(1)} s, load average ${loadavg()[0].toFixed(2)}`);
    }
  }
  const results: CaseResult[] = [];
  if (cold) results.push(await measure({ name: 'cold', description: 'outputs removed, caches empty', tools, repetitions: 1, cold: true }));
  results.push(
    await measure({ name: 'full-hit', description: 'nothing changed since the previous run', tools: cached, repetitions: settings.hits }),
    await measure({
      name: 'leaf',
      description: `${plan.leaf.name} (nothing depends on it) changed`,
      tools: cached,
      repetitions: settings.leafEdits,
      edits: { pkg: plan.leaf, kind: 'source' },
    }),
  );
  if (cold)
    results.push(
      await measure({
        name: 'root',
        description: `${plan.root.name} (everything depends on it) changed`,
        tools: cached,
        repetitions: 1,
        edits: { pkg: plan.root, kind: 'source' },
      }),
    );
  // Light packages run no test file: an edited or broken test changes no result.
  if (cold && !options.light)
    results.push(
      await measure({
        name: 'root-test',
        description: `a test of ${plan.root.name} (everything depends on it) edited`,
        tools: cached,
        repetitions: settings.rootTests,
        edits: { pkg: plan.root, kind: 'test' },
      }),
    );
  if (!options.light)
    results.push(
      await measure({
        name: 'first-failure',
        description: `a broken assertion in ${plan.root.name}'s tests, start to exit`,
        tools: cached,
        repetitions: settings.failures,
        breaks: plan.root,
      }),
    );
  const home = repos.slipway ? await homeSize(join(repos.slipway, '.slipway')) : undefined;
  const baseline =
    options.quick || packages === baselinePackages
      ? undefined
      : await readFile(baselineFile, 'utf8').then(
          (text) => JSON.parse(text) as { monorepo: { packages: number }; cases: BaselineCase[] },
          () => undefined,
        );
  const growths = baseline && growth(baseline.cases, results);

  const totalSeconds = (performance.now() - started) / 1000;
  await writeFileAtomic(
    resultsFile,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: options.quick,
        cold,
        scripts,
        machine,
        monorepo: { packages: plan.packages.length, levels, leaf: plan.leaf.name, root: plan.root.name },
        commands: Object.fromEntries(tools.map((tool) => [tool, commandLine(tool, '<repo>').join(' ')])),
        cases: results.map((result) => ({ ...result, ...summarize(result) })),
        slipwayHome: home,
        growthFrom: baseline && { packages: baseline.monorepo.packages, file: baselineFile.split('/').pop(), cases: growths },
        totalSeconds,
      },
      (_key, value: unknown) => (typeof value === 'number' ? Number(value.toFixed(3)) : value),
      2,
    )}\n`,
  );
  say();
  for (const line of summaryTable(results)) say(line);
  if (home) {
    const entries = Object.entries(home.entries).map(([name, bytes]) => `${name} ${formatBytes(bytes)}`);
    say(`slipway home after the runs: ${formatBytes(home.bytes)} (${entries.join(', ')}; ${home.runDirs} run directories)`);
  }
  if (baseline && growths) for (const line of growthTable(growths, baseline.monorepo.packages, packages)) say(line);
  say(`total ${totalSeconds.toFixed(0)} s; results in ${resultsFile}`);
  const fullHit = summarize(results.find((result) => result.name === 'full-hit')!).slipwayOverTurbo;
  if (fullHit !== undefined) say(`ci full-hit slipway/turbo ratio: ${fullHit.toFixed(2)}`);
} catch (error) {
  if (!(error instanceof BenchAbort)) throw error;
  process.stderr.write(`bench:ci aborted: ${error.message}\n${error.excerpt.map((line) => `  ${line}`).join('\n')}\n`);
  process.exitCode = 1;
} finally {
  if (!keep) await rm(workDir, { recursive: true, force: true });
}
