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
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startS3 } from '../src/deploy/local/resources/index.ts';
import { exec, tailLines } from '../src/shared/exec.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { editSource } from './ci/workspace.ts';
import { generateMonorepo } from './synthetic-monorepo.ts';

const shards = 3;
const packages = 100;
const cli = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
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

const workDir = await mkdtemp(join(tmpdir(), 'slipway-bench-shard-'));
const s3 = await startS3({ dataDir: join(workDir, 's3'), bucket: 'bench-cache' });
const env = {
  ...process.env,
  NO_COLOR: '1',
  SLIPWAY_CACHE_KEY: randomBytes(32).toString('hex'),
  AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY,
};
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

  const first = await shardedRun(origin, 'first', 'first commit: no recorded durations, planned by package size');
  const root = plan.packages.find((pkg) => pkg.level === 0)!;
  await editSource(origin, root, 'bench-shard');
  await git(origin, 'commit', '-qam', `edit ${root.name}: every package depends on it`);
  const second = await shardedRun(origin, 'second', `${root.name} changed: everything again, planned by the first run's durations`);

  const results = { packages: plan.packages.length, shards, cores: availableParallelism(), runs: [first, second] };
  await mkdir(join(resultsFile, '..'), { recursive: true });
  await writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  say(`results: ${resultsFile}`);
  say(`shard balance max/mean: ${second.balance.toFixed(2)}, duplicated builds: ${second.duplicatedBuilds}`);
} finally {
  await s3.stop();
  await rm(workDir, { recursive: true, force: true });
}

/** One commit's checks on three runners (each a copy of the repository with its own home), then the merge. */
async function shardedRun(origin: string, name: string, description: string) {
  say();
  say(`${name} run: ${description}`);
  const runners = await Promise.all(
    Array.from({ length: shards + 1 }, async (_, at) => {
      const dir = join(workDir, `${name}-${at + 1}`);
      await cp(origin, dir, { recursive: true, verbatimSymlinks: true });
      return dir;
    }),
  );
  const results = await Promise.all(runners.slice(0, shards).map((dir, at) => runShard(dir, at + 1)));
  const mergeStarted = performance.now();
  const merge = await exec(
    process.execPath,
    [cli, 'ci', '--merge', '--repo', runners[shards], '--home', join(runners[shards], '.slipway')],
    { env },
  );
  const mergeMs = performance.now() - mergeStarted;
  if (merge.code !== 0) throw new Error(`the merge failed:\n${tailLines(merge.output).join('\n')}`);
  const loads = results.map((result) => result.taskMs);
  const mean = loads.reduce((sum, load) => sum + load, 0) / loads.length;
  const built = results.flatMap((result) => result.built);
  const duplicatedBuilds = built.length - new Set(built).size;
  for (const result of results)
    say(
      `  shard ${result.index}/${shards}: task time ${(result.taskMs / 1000).toFixed(1)} s (${result.built.length} builds, ${result.testsRun} test runs), wall ${(result.wallMs / 1000).toFixed(1)} s`,
    );
  const balance = Math.max(...loads) / mean;
  say(
    `  balance max/mean ${balance.toFixed(2)}; builds ${built.length} (${duplicatedBuilds} duplicated); merge ${mergeMs.toFixed(0)} ms (the whole command)`,
  );
  return { name, description, shards: results, balance, duplicatedBuilds, builds: built.length, mergeMs: Math.round(mergeMs) };
}

async function runShard(dir: string, index: number): Promise<ShardRunResult> {
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
