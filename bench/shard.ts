/**
 * `npm run bench:shard`: `slipway ci` sharded three ways on the synthetic 100-package monorepo,
 * against one local S3 bucket (s3rver), then `slipway ci --merge`. Two runs: the first commit has
 * no recorded durations (the plan weighs packages by size); the second changes the package
 * everything depends on, so every package is built and tested again, planned by the durations the
 * first run's merge recorded. Reported per run: each shard's task time (its builds and the tests
 * it ran, summed), the balance (largest over mean), duplicated builds, and the merge's time.
 *
 * The three shards run at once, as a matrix would, although this machine has 2 cores: they cannot
 * run one after another, since a shard waits for the builds another shard owns. On 2 cores the
 * wall-clock speed-up cannot be shown honestly, so task-time sums are reported instead.
 * Results go to bench/results/shard.json; the last line is the balance and duplicated builds.
 *
 * The merge is reported as the whole command's wall and CPU time, and split into phases (Node's
 * own start, loading the CLI, then the marks src/run/shard-merge.ts leaves), through the preload
 * bench/merge-phases.mjs.
 *
 * Options: `--packages <n>` (default 100); `--keep <dir>` works in dir and leaves it (with the S3
 * objects and the cache key) instead of deleting it; `--merge-only <dir>` runs just the merges
 * again, on fresh copies of the merge runners of a kept dir (`--merges <k>` times each, default 1),
 * against an S3 server on the kept objects and the kept endpoint; `--cpu-prof <dir>` writes each
 * merge's CPU profile there (node --cpu-prof).
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startS3 } from '../src/deploy/local/resources/index.ts';
import { createS3rver } from '../src/deploy/local/resources/s3rver-server.mjs';
import { exec, tailLines } from '../src/shared/exec.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { editSource } from './ci/workspace.ts';
import { generateMonorepo } from './synthetic-monorepo.ts';

const { values: options } = parseArgs({
  options: {
    packages: { type: 'string', default: '100' },
    keep: { type: 'string' },
    'merge-only': { type: 'string' },
    merges: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
  },
});
const shards = 3;
const packages = Number(options.packages);
const merges = Number(options.merges);
if (!Number.isInteger(packages) || packages < shards) throw new Error(`--packages must be a whole number of at least ${shards}`);
if (!Number.isInteger(merges) || merges < 1) throw new Error('--merges must be a whole number of at least 1');
const cli = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
const phasesPreload = fileURLToPath(new URL('merge-phases.mjs', import.meta.url));
const resultsFile = fileURLToPath(new URL('results/shard.json', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);

interface StageRecord {
  stage: string;
  outputs?: {
    built?: string[];
    buildMs?: Record<string, number>;
    results?: Array<{ package: string; durationMs: number }>;
    replayed?: string[];
  };
}

interface ShardRunResult {
  index: number;
  /** Milliseconds of builds run here plus tests run here (replays excluded). */
  taskMs: number;
  built: string[];
  testsRun: number;
  wallMs: number;
}

interface KeptState {
  cacheKey: string;
  accessKey: string;
  endpoint: string;
  /** Each run's name and its merge runner, as the merge first found it. */
  runs: Array<{ name: string; runner: string }>;
}

interface MergeMeasure {
  /** The whole command, from spawning it until it exited. */
  wallMs: number;
  /** User and system CPU time of the merge process and the processes it waited for (esbuild, git), by GNU time. */
  cpuMs: number;
  /** User and system CPU time of the merge's Node process alone. */
  nodeCpuMs: number;
  /** From the process's start until the merge began: Node's own start plus loading the CLI. */
  startMs: number;
  /** Milliseconds per phase, in order (see phaseTimes). */
  phases: Array<[string, number]>;
  load: number;
}

if (options['merge-only']) await mergeOnly(options['merge-only']);
else await fullRun();

async function fullRun() {
  const workDir = options.keep ?? (await mkdtemp(join(tmpdir(), 'slipway-bench-shard-')));
  await mkdir(workDir, { recursive: true });
  const s3 = await startS3({ dataDir: join(workDir, 's3'), bucket: 'bench-cache' });
  const cacheKey = randomBytes(32).toString('hex');
  const env = mergeEnv(cacheKey, s3.env.AWS_ACCESS_KEY_ID!);
  const git = (dir: string, ...args: string[]) =>
    exec('git', ['-c', 'user.email=bench@slipway', '-c', 'user.name=bench', ...args], { cwd: dir });
  try {
    const origin = join(workDir, 'origin');
    await mkdir(origin);
    const generation = performance.now();
    const { plan } = await generateMonorepo(origin, { packages });
    const remote = { bucket: 'bench-cache', endpoint: s3.env.S3_ENDPOINT, region: s3.env.AWS_REGION, write: true };
    await writeFile(
      join(origin, 'slipway.config.ts'),
      [
        "import { defineConfig } from 'slipway';",
        '',
        `export default defineConfig({ project: 'bench', tasks: { outputs: ['dist'] }, coverage: {}, cache: { remote: ${JSON.stringify(remote)} }, ci: { shards: ${shards} } });`,
        '',
      ].join('\n'),
    );
    await git(origin, 'commit', '-qam', 'sharded, with the remote cache');
    say(
      `monorepo: ${plan.packages.length} packages, generated in ${((performance.now() - generation) / 1000).toFixed(1)} s; ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`,
    );

    const runIn = (name: string, description: string) => shardedRun({ workDir, origin, env, name, description });
    const first = await runIn('first', 'first commit: no recorded durations, planned by package size');
    const root = plan.packages.find((pkg) => pkg.level === 0)!;
    await editSource(origin, root, 'bench-shard');
    await git(origin, 'commit', '-qam', `edit ${root.name}: every package depends on it`);
    const second = await runIn('second', `${root.name} changed: everything again, planned by the first run's durations`);

    const results = { packages: plan.packages.length, shards, cores: availableParallelism(), runs: [first, second] };
    await mkdir(join(resultsFile, '..'), { recursive: true });
    await writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    if (options.keep) {
      // startS3's stop deletes its objects.
      await cp(s3.dataDir, keptObjects(workDir), { recursive: true });
      const kept: KeptState = {
        cacheKey,
        accessKey: s3.env.AWS_ACCESS_KEY_ID!,
        endpoint: s3.env.S3_ENDPOINT!,
        runs: [first, second].map(({ name }) => ({ name, runner: mergeRunner(workDir, name) })),
      };
      await writeFileAtomic(keptFile(workDir), `${JSON.stringify(kept, null, 2)}\n`);
      say(`kept: ${workDir} (again: npm run bench:shard -- --merge-only ${workDir})`);
    }
    say(`results: ${resultsFile}`);
    say(`shard balance max/mean: ${second.balance.toFixed(2)}, duplicated builds: ${second.duplicatedBuilds}`);
  } finally {
    await s3.stop();
    if (!options.keep) await rm(workDir, { recursive: true, force: true });
  }
}

/** The merges of a kept dir again, each on a fresh copy of its runner, against the kept S3 objects. */
async function mergeOnly(workDir: string) {
  const kept = JSON.parse(await readFile(keptFile(workDir), 'utf8')) as KeptState;
  const { port } = new URL(kept.endpoint);
  // Not startS3: it empties the objects directory, and the runners' configuration names this endpoint.
  const server = createS3rver({ address: '127.0.0.1', port: Number(port), directory: keptObjects(workDir) });
  await server.run();
  try {
    const env = mergeEnv(kept.cacheKey, kept.accessKey);
    say(`merge only, ${availableParallelism()} cores`);
    for (const { name, runner } of kept.runs)
      for (let time = 1; time <= merges; time++) {
        const copy = `${runner}-again-${Date.now()}`;
        await cp(runner, copy, { recursive: true, verbatimSymlinks: true, filter: (path) => path !== join(runner, '.slipway') });
        try {
          say(`  ${name} run's merge: ${describeMerge(await measureMerge(copy, env))}`);
        } finally {
          await rm(copy, { recursive: true, force: true });
        }
      }
  } finally {
    await server.close();
  }
}

function mergeEnv(cacheKey: string, accessKey: string): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', SLIPWAY_CACHE_KEY: cacheKey, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: accessKey };
}

function keptFile(workDir: string): string {
  return join(workDir, 'bench-shard.json');
}

function keptObjects(workDir: string): string {
  return join(workDir, 'kept-objects');
}

function mergeRunner(workDir: string, name: string): string {
  return join(workDir, `${name}-${shards + 1}`);
}

/** One commit's checks on three runners (each a copy of the repository with its own home), then the merge. */
async function shardedRun(opts: { workDir: string; origin: string; env: NodeJS.ProcessEnv; name: string; description: string }) {
  const { workDir, origin, env, name, description } = opts;
  say();
  say(`${name} run: ${description}`);
  const runners = await Promise.all(
    Array.from({ length: shards + 1 }, async (_, at) => {
      const dir = join(workDir, `${name}-${at + 1}`);
      await cp(origin, dir, { recursive: true, verbatimSymlinks: true });
      return dir;
    }),
  );
  const results = await Promise.all(runners.slice(0, shards).map((dir, at) => runShard(dir, at + 1, env)));
  const merge = await measureMerge(runners[shards], env);
  const loads = results.map((result) => result.taskMs);
  const mean = loads.reduce((sum, load) => sum + load, 0) / loads.length;
  const built = results.flatMap((result) => result.built);
  const duplicatedBuilds = built.length - new Set(built).size;
  for (const result of results)
    say(
      `  shard ${result.index}/${shards}: task time ${(result.taskMs / 1000).toFixed(1)} s (${result.built.length} builds, ${result.testsRun} test runs), wall ${(result.wallMs / 1000).toFixed(1)} s`,
    );
  const balance = Math.max(...loads) / mean;
  say(`  balance max/mean ${balance.toFixed(2)}; builds ${built.length} (${duplicatedBuilds} duplicated)`);
  say(`  merge: ${describeMerge(merge)}`);
  return {
    name,
    description,
    shards: results,
    balance,
    duplicatedBuilds,
    builds: built.length,
    mergeMs: Math.round(merge.wallMs),
    merge,
  };
}

/** `slipway ci --merge` in repoDir, with its own home there: wall and CPU time, and its phases. */
async function measureMerge(repoDir: string, env: NodeJS.ProcessEnv): Promise<MergeMeasure> {
  const phasesFile = join(repoDir, 'merge-phases.json');
  const timeFile = join(repoDir, 'merge-time.txt');
  const load = loadavg()[0];
  const started = performance.now();
  const merge = await exec(
    '/usr/bin/time',
    [
      ...['-f', '%U %S', '-o', timeFile, process.execPath],
      ...(options['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', options['cpu-prof']] : []),
      ...['--import', phasesPreload, cli, 'ci', '--merge', '--repo', repoDir, '--home', join(repoDir, '.slipway')],
    ],
    { env: { ...env, SLIPWAY_BENCH_PHASES: phasesFile } },
  );
  const wallMs = performance.now() - started;
  if (merge.code !== 0) throw new Error(`the merge failed:\n${tailLines(merge.output).join('\n')}`);
  const report = JSON.parse(await readFile(phasesFile, 'utf8')) as {
    nodeStartMs: number;
    exitMs: number;
    cpuMs: number;
    marks: Array<{ name: string; at: number }>;
  };
  const [user, system] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  await Promise.all([rm(phasesFile), rm(timeFile)]);
  report.marks = report.marks.filter((mark) => mark.name.startsWith('merge:'));
  const entered = report.marks.find((mark) => mark.name === 'merge:entered')?.at ?? report.exitMs;
  return { wallMs, cpuMs: (user + system) * 1000, nodeCpuMs: report.cpuMs, startMs: entered, phases: phaseTimes(report), load };
}

/**
 * Each phase's milliseconds: Node's start (until the preload ran), loading the CLI (until the merge
 * began), then from each mark to the next, and from the last mark to the process's exit.
 */
function phaseTimes(report: { nodeStartMs: number; exitMs: number; marks: Array<{ name: string; at: number }> }): Array<[string, number]> {
  const points: Array<[string, number]> = [
    ['node start', report.nodeStartMs],
    ['CLI loaded', report.marks[0]?.at ?? report.exitMs],
    ...report.marks.slice(1).map(({ name, at }): [string, number] => [name.replace(/^merge:/, ''), at]),
    ['exit', report.exitMs],
  ];
  return points.map(([name, at], index) => [name, Math.round(at - (index === 0 ? 0 : points[index - 1][1]))]);
}

function describeMerge(merge: MergeMeasure): string {
  const phases = merge.phases.map(([name, ms]) => `${name} ${ms}`).join(', ');
  return `${merge.wallMs.toFixed(0)} ms wall, ${merge.cpuMs.toFixed(0)} ms CPU (${merge.nodeCpuMs.toFixed(0)} ms in Node), ${(merge.wallMs - merge.startMs).toFixed(0)} ms after the CLI loaded (load ${merge.load.toFixed(2)}); phases (ms, each until): ${phases}`;
}

async function runShard(dir: string, index: number, env: NodeJS.ProcessEnv): Promise<ShardRunResult> {
  const started = performance.now();
  const run = await exec(process.execPath, [cli, 'ci', '--shard', `${index}/${shards}`, '--repo', dir, '--home', join(dir, '.slipway')], {
    env,
  });
  const wallMs = performance.now() - started;
  if (run.code !== 0) throw new Error(`shard ${index}/${shards} failed:\n${tailLines(run.output).join('\n')}`);
  const report = JSON.parse(await readFile(join(dir, '.slipway', 'runs', '1', 'feedback.json'), 'utf8')) as { stages: StageRecord[] };
  const outputs = (stage: string) => report.stages.find((each) => each.stage === stage)?.outputs;
  const buildMs = outputs('packages')?.buildMs ?? {};
  const replayed = new Set(outputs('unit')?.replayed ?? []);
  const ran = (outputs('unit')?.results ?? []).filter((result) => !replayed.has(result.package));
  const taskMs = Object.values(buildMs).reduce((sum, ms) => sum + ms, 0) + ran.reduce((sum, result) => sum + result.durationMs, 0);
  return { index, taskMs, built: outputs('packages')?.built ?? [], testsRun: ran.length, wallMs };
}
