/**
 * `npm run bench:real`: `slipway ci` against Turborepo on real public monorepos this project did
 * not write (bench/real-repos/repos.ts), each cloned at a pinned commit and configured with
 * nothing but an untracked `slipway.config.json` holding `project` (Turborepo: the repository's
 * turbo.json, or a minimal one). One clone per tool, through each real command line:
 * - cold: a fresh clone, empty caches (Slipway installs the dependencies itself; Turborepo's
 *   clone is installed first, and that install is timed on its own);
 * - unchanged: nothing changed since the previous run;
 * - leaf: a comment added to a source file of a package nothing depends on;
 * - test: a comment added to a test file of the lowest package;
 * - failure: a deliberately broken assertion in that package: time to the first failure line
 *   and to the exit, and whether Slipway's feedback names the test and its file:line.
 * Checks: Slipway is green with no edit to the repository, and the failure feedback is specific.
 * Options: --repo <id> (repeatable; default all), --source <git dir> (one --repo),
 * --runs <n> (unchanged repetitions, default 3), --keep (leave the clones).
 * Results go to bench/results/real-repos.json, one entry per repository (others are kept).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { exec, tailLines } from '../src/shared/exec.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { turboBin } from './ci/tools.ts';
import { median } from './median.ts';
import { table } from './ci/report.ts';
import {
  breakAssertion,
  cloneAt,
  ensureTurboJson,
  ignoreTurboLogs,
  install,
  restore,
  toolEnv,
  withNode,
  touch,
  pinPackageManager,
  workTreeChanges,
  writeSlipwayConfig,
} from './real-repos/checkout.ts';
import { realRepo, realRepos, type RealRepo } from './real-repos/repos.ts';
import { judgeFailure, readSlipwayReport, type FailureVerdict, type SlipwayReport } from './real-repos/verdict.ts';

const { values: options } = parseArgs({
  options: {
    repo: { type: 'string', multiple: true },
    source: { type: 'string' },
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const repos = options.repo?.length ? options.repo.map(realRepo) : realRepos;
if (options.source && repos.length !== 1) throw new Error('--source names the git repository of one --repo');
const unchangedRuns = Number(options.runs);
if (!Number.isInteger(unchangedRuns) || unchangedRuns < 1)
  throw new Error(`--runs must be a whole number of at least 1, not ${options.runs}`);

const slipwayCli = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
const resultsFile = fileURLToPath(new URL('results/real-repos.json', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
/** A run that hangs is stopped: a real repository's test can wait forever on something absent here. */
const runTimeoutMs = 20 * 60_000;

type Tool = 'slipway' | 'turbo';
/** The first line saying something failed: Slipway's failed stage mark; Turborepo's task or runner errors. */
const failureLine: Record<Tool, RegExp> = {
  slipway: /^✖/,
  turbo: /\bERR!|ERROR|command finished with error|exited \(\d+\)|\bFAIL\b|not ok \d|AssertionError|\d+ failing/,
};

interface ToolRun {
  code: number;
  seconds: number;
  /** Seconds from the start to the first failure line, when there was one. */
  firstFailureSeconds?: number;
  /** Slipway's stages and feedback, from its feedback.json. */
  report?: SlipwayReport;
  /** Turborepo's "Cached: 3 cached, 18 total". */
  cached?: string;
  /** The last lines, kept for a run that did not exit as expected. */
  tail?: string[];
}

interface CaseResult {
  name: string;
  description: string;
  runs: Record<Tool, ToolRun[]>;
}

async function timed(tool: Tool, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ToolRun> {
  const started = performance.now();
  let firstFailureSeconds: number | undefined;
  const result = await exec(command, args, {
    cwd,
    env,
    timeoutMs: runTimeoutMs,
    onLine: (line) => {
      if (firstFailureSeconds === undefined && failureLine[tool].test(stripVTControlCharacters(line).trim()))
        firstFailureSeconds = (performance.now() - started) / 1000;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const report = tool === 'slipway' ? await readSlipwayReport(result.output) : undefined;
  const cached = /Cached:\s+(\d+ cached, \d+ total)/.exec(result.output)?.[1];
  return { code: result.code, seconds, firstFailureSeconds, report, cached, tail: tailLines(stripVTControlCharacters(result.output), 25) };
}

/** The name Slipway's `project` gets: the repository's, in the characters a project name allows. */
const projectName = (repo: RealRepo) => repo.name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase();

async function benchRepo(repo: RealRepo, workDir: string) {
  const dir: Record<Tool, string> = { slipway: join(workDir, 'slipway'), turbo: join(workDir, 'turbo') };
  const home = join(workDir, 'slipway-home');
  const source = options.source ?? `/work/.mirror/${repo.name.replace('/', '+')}/repo`;
  const load = { start: Number(loadavg()[0].toFixed(2)), end: 0 };
  say(
    `\n== ${repo.name} @ ${repo.commit.slice(0, 12)} (${repo.packageManager}, ${repo.runner}, ${repo.packages} packages), load average ${load.start}`,
  );
  const baseEnv = { ...(await toolEnv(join(workDir, 'bin'))), ...repo.env };
  const env = repo.node ? await withNode(baseEnv, repo.node, join(workDir, `node-${repo.node}`)) : baseEnv;
  for (const tool of ['slipway', 'turbo'] as const) await cloneAt(source, repo.commit, dir[tool]);
  await writeSlipwayConfig(dir.slipway, projectName(repo));
  const turboInstall = await install(dir.turbo, env);
  say(`turbo's clone installed (${turboInstall.command}) in ${turboInstall.seconds.toFixed(1)} s`);
  const turboJson = await ensureTurboJson(dir.turbo);
  const turboEdits = [...(await pinPackageManager(dir.turbo, env)), ...(await ignoreTurboLogs(dir.turbo))];
  const turboVersion = (await exec(turboBin, ['--version'], { cwd: dir.turbo, env })).stdout.trim();
  const command: Record<Tool, [string, ...string[]]> = {
    // Slipway runs on this process's Node, the one its native modules (better-sqlite3) were built
    // for, even where the repository's scripts run on another (mobx: 22).
    slipway: [process.execPath, slipwayCli, 'ci', '--repo', dir.slipway, '--home', home],
    turbo: [turboBin, 'run', 'build', 'test', '--ui=stream', '--no-update-notifier'],
  };
  say(`slipway: ${command.slipway.join(' ')}`);
  say(
    `turbo ${turboVersion} (${turboJson} turbo.json${turboEdits.length ? `; ${turboEdits.join('; ')}` : ''}): ${command.turbo.join(' ')}`,
  );

  const cases: CaseResult[] = [];
  const measure = async (name: string, description: string, repetitions: number) => {
    const result: CaseResult = { name, description, runs: { slipway: [], turbo: [] } };
    for (let repetition = 0; repetition < repetitions; repetition++) {
      // Alternate which tool goes first, so neither always gets the warmer page cache.
      const order: Tool[] = repetition % 2 === 0 ? ['slipway', 'turbo'] : ['turbo', 'slipway'];
      for (const tool of order) {
        const [executable, ...args] = command[tool];
        const run = await timed(tool, executable, args, dir[tool], env);
        result.runs[tool].push(run);
        const stages = run.report?.stages.map((stage) => `${stage.stage} ${stage.seconds?.toFixed(1) ?? '?'} s`).join(', ');
        const detail = stages ?? run.cached;
        say(`  ${name} ${tool}: ${run.seconds.toFixed(2)} s, exit ${run.code}${detail ? ` (${detail})` : ''}`);
      }
    }
    cases.push(result);
    return result;
  };
  const both = async (edit: (dir: string) => Promise<unknown>) => {
    for (const tool of ['slipway', 'turbo'] as const) await edit(dir[tool]);
  };

  await measure('cold', 'a fresh clone, empty caches', 1);
  await measure('unchanged', 'nothing changed since the previous run', unchangedRuns);
  await both((at) => touch(at, repo.leafFile, 'leaf'));
  await measure('leaf', `${repo.leafFile} edited (nothing depends on its package)`, 1);
  await both((at) => restore(at, [repo.leafFile]));
  await both((at) => touch(at, repo.lowestTestFile, 'test'));
  await measure('test', `${repo.lowestTestFile} edited (a test of the lowest package)`, 1);
  await both((at) => restore(at, [repo.lowestTestFile]));
  let lines = { test: 0, assertion: 0 };
  await both(async (at) => (lines = await breakAssertion(at, repo.broken)));
  const failure = await measure('failure', `broken assertion at ${repo.broken.file}:${lines.assertion} ("${repo.broken.test}")`, 1);
  await both((at) => restore(at, [repo.broken.file]));

  const slipwayFailure = failure.runs.slipway[0];
  const verdict: FailureVerdict & { failed: boolean } = {
    failed: slipwayFailure.code !== 0,
    ...judgeFailure(slipwayFailure.report, { test: repo.broken.test, file: repo.broken.file, lines }),
  };
  const green = ['cold', 'unchanged'].every((name) => cases.find((c) => c.name === name)!.runs.slipway.every((run) => run.code === 0));
  const leftInWorkTree = await workTreeChanges(dir.slipway, ['slipway.config.json']);
  load.end = Number(loadavg()[0].toFixed(2));
  return {
    repo,
    turboVersion,
    turboJson,
    turboEdits,
    turboInstall,
    commands: command,
    load,
    cases,
    checks: { green, failure: verdict, leftInWorkTree },
  };
}

type RepoResult = Awaited<ReturnType<typeof benchRepo>>;

const seconds = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
const medianOf = (runs: ToolRun[], pick: (run: ToolRun) => number | undefined) => {
  const values = runs.map(pick).filter((value): value is number => value !== undefined);
  return values.length ? median(values) : undefined;
};

function summarize(result: RepoResult) {
  return result.cases.map((c) => {
    const pick = c.name === 'failure' ? (run: ToolRun) => run.firstFailureSeconds : (run: ToolRun) => run.seconds;
    const slipway = medianOf(c.runs.slipway, pick);
    const turbo = medianOf(c.runs.turbo, pick);
    return {
      case: c.name,
      slipway,
      turbo,
      ratio: slipway !== undefined && turbo !== undefined ? slipway / turbo : undefined,
      exits: { slipway: c.runs.slipway.map((run) => run.code), turbo: c.runs.turbo.map((run) => run.code) },
      ...(c.name === 'failure'
        ? { exitSeconds: { slipway: medianOf(c.runs.slipway, (run) => run.seconds), turbo: medianOf(c.runs.turbo, (run) => run.seconds) } }
        : {}),
    };
  });
}

function report(result: RepoResult): string[] {
  const rows = [['case', 'slipway s', 'turbo s', 'slipway/turbo', 'exit codes (slipway; turbo)']];
  for (const row of summarize(result)) {
    const name = row.case === 'failure' ? 'failure (first failure line)' : row.case;
    rows.push([
      name,
      seconds(row.slipway),
      seconds(row.turbo),
      seconds(row.ratio),
      `${row.exits.slipway.join(' ')}; ${row.exits.turbo.join(' ')}`,
    ]);
  }
  const { checks } = result;
  const failure = checks.failure;
  return [
    ...table(rows),
    `turbo's install before its cold run: ${result.turboInstall.seconds.toFixed(1)} s`,
    `green with only project configured: ${checks.green ? 'yes' : 'NO'}`,
    `broken assertion: ${failure.failed ? 'red' : 'NOT RED'}; names the test: ${failure.namesTest ? 'yes' : 'NO'}; file:line: ${failure.fileLine}`,
    `  ${failure.headline ?? '(no failure feedback)'}`,
    `work tree after Slipway's runs: ${checks.leftInWorkTree.length ? checks.leftInWorkTree.join(', ') : 'clean'}`,
  ];
}

/** The JSON kept per repository: the numbers, the checks, and the tails of runs that went wrong. */
function stored(result: RepoResult) {
  const { repo } = result;
  const unexpected = result.cases.flatMap((c) =>
    (['slipway', 'turbo'] as const).flatMap((tool) =>
      c.runs[tool]
        .filter((run) => (c.name === 'failure' ? run.code === 0 : run.code !== 0))
        .map((run) => ({ case: c.name, tool, code: run.code, tail: run.tail })),
    ),
  );
  return {
    repository: repo.name,
    date: new Date().toISOString(),
    machine,
    commit: repo.commit,
    packageManager: repo.packageManager,
    runner: repo.runner,
    packages: repo.packages,
    notes: repo.notes,
    env: repo.env ?? {},
    turbo: { version: result.turboVersion, turboJson: result.turboJson, edits: result.turboEdits, install: result.turboInstall },
    commands: { slipway: result.commands.slipway.join(' '), turbo: result.commands.turbo.join(' ') },
    load: result.load,
    cases: summarize(result),
    slipwayStages: Object.fromEntries(result.cases.map((c) => [c.name, c.runs.slipway.map((run) => run.report?.stages ?? [])])),
    checks: result.checks,
    failureFeedback: result.cases.find((c) => c.name === 'failure')?.runs.slipway[0]?.report?.feedback ?? [],
    unexpected,
  };
}

// The last commit that changed Slipway itself (not this bench): what was measured.
const slipwayCommit = (
  await exec('git', ['log', '-1', '--format=%h', '--', 'src', 'bin', 'package-lock.json'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  })
).stdout.trim();
const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, slipwayCommit };
say(`machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, slipway ${slipwayCommit}`);
const workRoot = await mkdtemp(join(tmpdir(), 'slipway-bench-real-'));
const previous = (await readFile(resultsFile, 'utf8').then(
  (text) => JSON.parse(text) as { repos?: Record<string, unknown> },
  () => ({}),
)) as { repos?: Record<string, unknown> };
const results: Record<string, unknown> = { ...previous.repos };
try {
  for (const repo of repos) {
    const workDir = join(workRoot, repo.id);
    await mkdir(workDir);
    // One repository that cannot be set up (an install out of reach here, say) does not stop the others.
    const result = await benchRepo(repo, workDir).catch((error: unknown) => {
      process.exitCode = 1;
      const message = error instanceof Error ? error.message : String(error);
      say(`${repo.id} not measured: ${message}`);
      return { repository: repo.name, commit: repo.commit, date: new Date().toISOString(), machine, error: message };
    });
    if ('error' in result) {
      results[repo.id] = result;
    } else {
      say();
      for (const line of report(result)) say(line);
      results[repo.id] = stored(result);
    }
    await writeFileAtomic(
      resultsFile,
      `${JSON.stringify({ repos: results }, (_key, value: unknown) => (typeof value === 'number' ? Number(value.toFixed(3)) : value), 2)}\n`,
    );
  }
  say(`\nresults in ${resultsFile}${options.keep ? `; clones kept in ${workRoot}` : ''}`);
} finally {
  if (!options.keep) await rm(workRoot, { recursive: true, force: true });
}
