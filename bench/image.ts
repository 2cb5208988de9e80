/**
 * `npm run bench:image`: Slipway's daemonless image build and push against `buildah bud` and
 * `buildah push`, for the embark example's backend, both pushing to one local docker-registry
 * through a byte-counting proxy, both starting from the same base image (Slipway's own base
 * layer, pushed as bench/base:1):
 * - cold: empty Slipway layer cache, empty buildah storage, empty target repositories;
 * - code change: one line of the backend's source changed and rebuilt with tsc, warm caches.
 * Options: --quick (one code change), --driver overlay|vfs (buildah's storage driver; by default
 * overlay if it works here, else vfs). Results go to bench/results/image.json (image-quick.json).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServiceImage, type ServiceImageSpec } from '../src/release/image/index.ts';
import { RegistryClient, startLocalRegistry } from '../src/release/registry/index.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { writeAppContext, writeDependencyContext } from './image/build-context.ts';
import { Buildah, type StorageDriver } from './image/buildah.ts';
import { startCountingProxy } from './image/counting-proxy.ts';
import { backendDockerfile } from './image/dockerfile.ts';
import { BACKEND, changeBackend, headCommit, prepareExample } from './image/example.ts';
import { formatBytes, sampleLine, summarize, summaryTable, type CaseResult, type Sample } from './image/report.ts';
import { inspectImage, runDifferences, type InspectedImage } from './image/verify.ts';
import { BASE_REPOSITORY, BASE_TAG, buildBaseSource, pushBaseImage, slipwayBuildAndPush } from './image/slipway.ts';

const { values: options } = parseArgs({ options: { quick: { type: 'boolean', default: false }, driver: { type: 'string' } } });
if (options.driver !== undefined && options.driver !== 'overlay' && options.driver !== 'vfs')
  throw new Error(`--driver must be overlay or vfs, not ${options.driver}`);
const codeChanges = options.quick ? 1 : 3;
const resultsFile = fileURLToPath(new URL(`results/${options.quick ? 'image-quick' : 'image'}.json`, import.meta.url));
const REPOSITORIES = { slipway: 'bench/slipway-backend', buildah: 'bench/buildah-backend' };

const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;

const started = performance.now();
// The machine is shared: the load before the run tells how much of the noise was other work.
const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  node: process.version,
  buildah: await Buildah.version(),
  loadAverage: Number(loadavg()[0].toFixed(2)),
};

const workDir = await mkdtemp(join(tmpdir(), 'slipway-bench-image-'));
const cleanups: (() => Promise<void>)[] = [];
try {
  // The base layer depends only on this Node runtime and buildah's storage on nothing: both are
  // made ready while the example installs.
  let step = performance.now();
  const [example, baseSource, { buildah, probeNotes }] = await Promise.all([
    prepareExample(workDir),
    buildBaseSource(join(workDir, 'base-source')),
    Buildah.create(join(workDir, 'buildah'), options.driver as StorageDriver | undefined),
  ]);
  cleanups.push(() => buildah.destroy());
  say(
    `example: ${example.repoDir} (npm ci ${example.installSeconds.toFixed(1)} s, @embark/shared and ${BACKEND.name} built ${example.buildSeconds.toFixed(1)} s; base layer built alongside; ${seconds(step).toFixed(1)} s)`,
  );

  const registry = await startLocalRegistry({ storageDir: join(workDir, 'registry') });
  cleanups.push(() => registry.stop());
  const proxy = await startCountingProxy(registry.url);
  cleanups.push(() => proxy.stop());
  const client = new RegistryClient({ url: proxy.url });
  say(`registry: docker-registry at ${registry.host}, both tools push through a counting proxy at ${proxy.host}`);

  const specFor = (revision: string, cacheName = 'slipway'): ServiceImageSpec => ({
    workspaceRoot: example.repoDir,
    packageDir: example.backendDir,
    command: BACKEND.command,
    port: BACKEND.port,
    env: {},
    labels: { source: example.repoDir, revision, version: '1.4.0' },
    cacheDir: join(workDir, `${cacheName}-cache`),
    outDir: join(workDir, `${cacheName}-image`),
  });

  // buildah's context: the same files Slipway's dependencies layer holds, copied once (a
  // team's CI would `npm ci --omit=dev` into it); the app's files are copied at each build.
  step = performance.now();
  const baseLayer = baseSource.layers[0];
  const baseImage = `${proxy.host}/${BASE_REPOSITORY}:${BASE_TAG}`;
  const contextDir = join(workDir, 'context');
  await mkdir(contextDir);
  const [baseDigest, closure] = await Promise.all([
    pushBaseImage(baseSource, client),
    writeDependencyContext({ workspaceRoot: example.repoDir, packageDir: example.backendDir, serviceName: BACKEND.name, contextDir }),
  ]);
  say(
    `base: ${baseImage} = Slipway's base layer alone (node ${process.version} and its libraries, ${formatBytes(baseLayer.size)}, layer ${baseLayer.digest.slice(0, 19)}…), manifest ${baseDigest.slice(0, 19)}…`,
  );
  await writeFile(
    join(contextDir, 'Dockerfile'),
    backendDockerfile({
      baseImage,
      command: BACKEND.command,
      port: BACKEND.port,
      labels: { title: BACKEND.name, version: '1.4.0', source: example.repoDir },
    }),
  );
  say(
    `buildah context: ${closure.packages} dependency packages (${formatBytes(closure.bytes)}) copied from Slipway's dependency closure; base pushed alongside; ${seconds(step).toFixed(1)} s`,
  );

  for (const note of probeNotes) say(note);
  const commands = buildah.commandLines(`${proxy.host}/${REPOSITORIES.buildah}:<tag>`);
  say(`buildah ${machine.buildah}, storage driver ${buildah.driver}, isolation chroot, private --root/--runroot:`);
  say(`  ${commands.build}`);
  say(`  ${commands.push}`);
  say(`slipway: buildServiceImage + pushImage to ${proxy.host}/${REPOSITORIES.slipway} (mountFrom ${BASE_REPOSITORY})`);
  proxy.take();

  const runSlipway = async (revision: string): Promise<Sample> => {
    const run = await slipwayBuildAndPush(specFor(revision), client, REPOSITORIES.slipway, `sha-${revision.slice(0, 12)}`);
    const traffic = proxy.take();
    // The same base for both: buildah starts FROM bench/base:1, Slipway must build those very bytes.
    if (run.built.layers[0].digest !== baseLayer.digest)
      throw new Error(
        `Slipway's base layer ${run.built.layers[0].digest} is not the one in ${BASE_REPOSITORY}:${BASE_TAG} (${baseLayer.digest})`,
      );
    const reused = run.built.layers.filter((layer) => layer.reused).length;
    return {
      contextSeconds: 0,
      buildSeconds: run.buildSeconds,
      pushSeconds: run.pushSeconds,
      totalSeconds: run.buildSeconds + run.pushSeconds,
      uploadedBytes: traffic.uploaded,
      downloadedBytes: traffic.downloaded,
      digest: run.pushed.digest,
      reused: `${reused}/${run.built.layers.length} layers reused, ${run.pushed.uploadedBlobs} blobs up (${formatBytes(run.pushed.uploadedBytes)}), ${run.pushed.mountedBlobs} mounted, ${run.pushed.skippedBlobs} there`,
    };
  };
  const runBuildah = async (revision: string): Promise<Sample> => {
    const contextStarted = performance.now();
    await writeAppContext({ packageDir: example.backendDir, serviceName: BACKEND.name, contextDir });
    const contextSeconds = seconds(contextStarted);
    const run = await buildah.buildAndPush({
      contextDir,
      image: `${proxy.host}/${REPOSITORIES.buildah}:sha-${revision.slice(0, 12)}`,
      revision,
    });
    const traffic = proxy.take();
    return {
      contextSeconds,
      buildSeconds: run.buildSeconds,
      pushSeconds: run.pushSeconds,
      totalSeconds: contextSeconds + run.buildSeconds + run.pushSeconds,
      uploadedBytes: traffic.uploaded,
      downloadedBytes: traffic.downloaded,
      digest: run.digest,
      reused: `${run.cachedSteps}/${run.steps} steps cached`,
    };
  };

  const results: CaseResult[] = [];
  const report = (result: CaseResult, index: number) => {
    say(`  ${sampleLine('slipway', result.samples.slipway[index])}`);
    say(`  ${sampleLine('buildah', result.samples.buildah[index])}`);
  };

  say();
  const mergeCommit = await headCommit(example.repoDir);
  say('cold: empty Slipway layer cache, empty buildah storage, target repositories empty (bench/base is there)');
  const cold: CaseResult = {
    name: 'cold',
    description: 'empty caches',
    samples: { slipway: [await runSlipway(mergeCommit)], buildah: [await runBuildah(mergeCommit)] },
  };
  report(cold, 0);
  results.push(cold);
  say(`  same base: Slipway's cold build made the base layer ${baseLayer.digest.slice(0, 19)}… of bench/base:1 again, byte for byte`);

  say();
  say(
    `code change: one line of ${BACKEND.dir}/src/server.ts changed, rebuilt with tsc and committed; warm caches (${codeChanges}×, median)`,
  );
  const change: CaseResult = { name: 'code change', description: 'one-line change', samples: { slipway: [], buildah: [] } };
  let lastCommit = mergeCommit;
  for (let index = 0; index < codeChanges; index++) {
    await changeBackend(example, `change ${index + 1}`);
    lastCommit = await headCommit(example.repoDir);
    // Alternating who goes first spreads whatever else the shared machine does over both.
    if (index % 2 === 0) {
      change.samples.slipway.push(await runSlipway(lastCommit));
      change.samples.buildah.push(await runBuildah(lastCommit));
    } else {
      change.samples.buildah.push(await runBuildah(lastCommit));
      change.samples.slipway.push(await runSlipway(lastCommit));
    }
    say(` change ${index + 1} (${lastCommit.slice(0, 12)}):`);
    report(change, index);
  }
  results.push(change);

  // The same commit again: the digest pushed, from the warm cache and (full run) from an empty one.
  say();
  const lastPushed = change.samples.slipway.at(-1)!.digest;
  const rebuilds = options.quick ? ['slipway'] : ['slipway', 'rebuild'];
  for (const cacheName of rebuilds) {
    const rebuilt = await buildServiceImage(specFor(lastCommit, cacheName));
    const cache = cacheName === 'slipway' ? 'the warm cache' : 'an empty cache';
    if (rebuilt.manifestDigest !== lastPushed)
      throw new Error(
        `Slipway is not reproducible: ${lastCommit.slice(0, 12)} built again from ${cache} gave ${rebuilt.manifestDigest}, not the pushed ${lastPushed}`,
      );
    say(`reproducible: ${lastCommit.slice(0, 12)} built again from ${cache} gives the pushed ${lastPushed}`);
  }

  // The registry serves both images, as an independent client (skopeo) reads them, and both
  // would run the backend the same way.
  const verified = {} as Record<keyof typeof REPOSITORIES, InspectedImage & { reference: string }>;
  for (const [tool, repository] of Object.entries(REPOSITORIES) as [keyof typeof REPOSITORIES, string][]) {
    const reference = `${registry.host}/${repository}:sha-${lastCommit.slice(0, 12)}`;
    const inspected = await inspectImage(reference);
    const pushed = change.samples[tool].at(-1)!.digest;
    if (inspected.digest !== pushed)
      throw new Error(`the registry serves ${reference} as ${inspected.digest}, but ${tool} pushed ${pushed}`);
    verified[tool] = { reference, ...inspected };
    say(`skopeo inspect docker://${reference}: ${inspected.digest}, ${inspected.layers} layers, as ${tool} pushed`);
  }
  const differences = runDifferences(verified.slipway.config, verified.buildah.config);
  if (differences.length > 0) throw new Error(`the two images would not run alike:\n${differences.join('\n')}`);
  say(
    `both configs run alike: user ${verified.slipway.config.User}, entrypoint ${JSON.stringify(verified.slipway.config.Entrypoint)}, workdir ${verified.slipway.config.WorkingDir}, same env, port and labels`,
  );

  const summaries = results.map(summarize);
  const ratio = summaries.find((summary) => summary.name === 'code change')!.ratio;
  say();
  say(
    `machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, buildah ${machine.buildah} (storage driver ${buildah.driver}, isolation chroot), load average ${machine.loadAverage} at the start`,
  );
  for (const line of summaryTable(results)) say(line);
  say('times: build + push wall-clock (buildah: plus copying the app files into its context); bytes: request bodies through the proxy');

  await writeFileAtomic(
    resultsFile,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: options.quick,
        machine: { ...machine, storageDriver: buildah.driver, isolation: 'chroot' },
        commands: { slipway: `buildServiceImage + pushImage (mountFrom ${BASE_REPOSITORY})`, ...commands },
        base: { image: `${BASE_REPOSITORY}:${BASE_TAG}`, digest: baseDigest, layer: baseLayer.digest, layerBytes: baseLayer.size },
        dependencyContext: closure,
        cases: results.map((result, index) => ({ ...result, summary: summaries[index] })),
        verified,
        reproducible: {
          commit: lastCommit,
          digest: lastPushed,
          rebuiltFrom: rebuilds.map((name) => (name === 'slipway' ? 'warm cache' : 'empty cache')),
        },
        ratio: Number(ratio.toFixed(2)),
        totalSeconds: Number(seconds(started).toFixed(1)),
      },
      null,
      2,
    )}\n`,
  );
  say(`results: ${resultsFile}; whole run ${seconds(started).toFixed(1)} s`);
  say(`image build slipway/buildah ratio: ${ratio.toFixed(2)}`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => process.stderr.write(`cleanup: ${error.message}\n`));
  await rm(workDir, { recursive: true, force: true });
}
