import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3, type RunningResource } from '../../deploy/local/resources/index.ts';
import { freePort } from '../../shared/net.ts';
import { openCache, RunCaches } from './open-cache.ts';
import type { S3RemoteConfig } from './remote-cache.ts';

let s3: RunningResource;
let s3DataDir: string;
let admin: S3Client;
let remote: S3RemoteConfig;
let work: string;
/** Every warning any test received: none may carry a secret. */
const allWarnings: string[] = [];

beforeAll(async () => {
  s3DataDir = await mkdtemp(join(tmpdir(), 'slipway-s3-'));
  s3 = await startS3({ dataDir: s3DataDir, bucket: 'slipway-cache' });
  const credentials = { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY };
  remote = { bucket: s3.env.S3_BUCKET, endpoint: s3.env.S3_ENDPOINT, region: s3.env.AWS_REGION, forcePathStyle: true, credentials };
  admin = new S3Client({ endpoint: remote.endpoint, region: remote.region, forcePathStyle: true, credentials });
});
afterAll(async () => {
  admin?.destroy();
  await s3?.stop();
  await rm(s3DataDir, { recursive: true, force: true });
  for (const warning of allWarnings) expect(warning).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-remote-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh prefix per test, so tests never see each other's objects. */
function isolated(extra: Partial<S3RemoteConfig> = {}): S3RemoteConfig {
  return { ...remote, prefix: `t-${randomBytes(4).toString('hex')}/`, ...extra };
}

function collector(): { warnings: string[]; onWarning: (message: string) => void } {
  const warnings: string[] = [];
  return {
    warnings,
    onWarning: (message) => {
      warnings.push(message);
      allWarnings.push(message);
    },
  };
}

async function makeTree(dir: string, marker: string): Promise<void> {
  await mkdir(join(dir, 'dist/nested'), { recursive: true });
  await writeFile(join(dir, 'dist/index.js'), `export const marker = '${marker}';\n`);
  await writeFile(join(dir, 'dist/nested/blob.bin'), randomBytes(200_000));
  await writeFile(join(dir, 'dist/cli.js'), '#!/usr/bin/env node\n');
  await chmod(join(dir, 'dist/cli.js'), 0o755);
  await symlink('../elsewhere', join(dir, 'dist/link'));
}

/** Every path under dir with its content, link target or mode: equal snapshots mean identical trees. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) out[name] = `-> ${await readlink(path)}`;
    else if (stats.isFile()) out[name] = `${(stats.mode & 0o777).toString(8)} ${(await readFile(path)).toString('base64')}`;
    else out[name] = 'dir';
  }
  return out;
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await admin.send(new GetObjectCommand({ Bucket: remote.bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

describe('remote cache on a real S3 server (s3rver)', () => {
  it('shares entries between runners: A saves and uploads in the background, B restores identical content', async () => {
    const config = isolated();
    const runnerA = await RunCaches.connect(join(work, 'a'), config, collector().onWarning);
    const outputsA = runnerA.open('outputs');
    await makeTree(join(work, 'src'), 'v1');
    await outputsA.save('build-1', join(work, 'src'), ['dist'], { inputs: ['abc'] });
    // save returned while the upload (network round trips) is still in the background
    expect(outputsA.stats().uploads).toBe(0);
    expect(await runnerA.flush(10_000)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
    expect(runnerA.stats()).toEqual({ localHits: 0, remoteHits: 0, misses: 0, uploads: 1 });

    const listed = await admin.send(new ListObjectsV2Command({ Bucket: remote.bucket, Prefix: config.prefix }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`${config.prefix}outputs/build-1.entry`]);

    const { warnings, onWarning } = collector();
    const runnerB = await RunCaches.connect(join(work, 'b'), config, onWarning);
    const outputsB = runnerB.open('outputs');
    expect(await outputsB.restore('build-1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await snapshot(join(work, 'target/dist'))).toEqual(await snapshot(join(work, 'src/dist')));
    expect(await outputsB.readMeta('build-1')).toEqual({ inputs: ['abc'] });
    expect(await readdir(join(work, 'b/outputs'))).toEqual(['build-1.entry']); // installed locally, no temp left
    expect(await outputsB.restore('build-1', join(work, 'target2'), ['dist'])).toBe(true); // now from the local disk
    expect(await outputsB.restore('never-built', join(work, 'target3'), ['dist'])).toBe(false);
    expect(runnerB.stats()).toEqual({ localHits: 1, remoteHits: 1, misses: 1, uploads: 0 });

    // B saving the same entry again finds it on the remote and does not upload it twice.
    await outputsB.save('build-1', join(work, 'target'), ['dist'], { inputs: ['abc'] });
    expect(await runnerB.flush(10_000)).toEqual({ uploaded: 0, skipped: 1, failed: 0 });
    expect(warnings).toEqual([]);

    // readMeta and has consult the remote too (openCache with the same layout as RunCaches' "outputs").
    const runnerC = await openCache(join(work, 'c'), { ...config, prefix: `${config.prefix}outputs/` });
    expect(await runnerC.has('build-1')).toBe(true);
    expect(await runnerC.has('never-built')).toBe(false);
    expect(await runnerC.readMeta('build-1')).toEqual({ inputs: ['abc'] });
    expect(await readdir(join(work, 'c'))).toEqual(['build-1.entry']);
  });

  it('an unreachable endpoint is one warning, the build still caches locally, and it costs little', async () => {
    const closedPort = await freePort();
    const { warnings, onWarning } = collector();
    const run = await RunCaches.connect(join(work, 'cache'), isolated({ endpoint: `http://127.0.0.1:${closedPort}` }), onWarning);
    const outputs = run.open('outputs');
    const deps = run.open('deps');
    await makeTree(join(work, 'src'), 'v1');

    expect(await outputs.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    expect(await deps.restore('k2', join(work, 'target'), ['dist'])).toBe(false); // breaker open: not tried
    await outputs.save('k1', join(work, 'src'), ['dist']);
    await deps.save('k2', join(work, 'src'), ['dist']);
    expect(await outputs.restore('k1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await run.flush(5_000)).toEqual({ uploaded: 0, skipped: 0, failed: 2 });
    expect(run.stats()).toEqual({ localHits: 1, remoteHits: 0, misses: 2, uploads: 0 });

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^Remote cache s3://slipway-cache/t-[0-9a-f]+/outputs/ at http://127.0.0.1:${closedPort} is unreachable \\(.*ECONNREFUSED.*\\); using the local cache only for the rest of this run\\.$`,
      ),
    );
  });

  it('a corrupt or truncated remote object is a miss with a warning and is never installed locally', async () => {
    const config = isolated();
    const runnerA = await openCache(join(work, 'a'), config);
    await makeTree(join(work, 'src'), 'v1');
    await runnerA.save('k1', join(work, 'src'), ['dist']);
    await runnerA.flush(10_000);
    const objectKey = `${config.prefix}k1.entry`;
    const good = await objectBytes(objectKey);
    const flipped = Buffer.from(good);
    flipped[1000] ^= 0xff; // inside the archive: the manifest still parses, the sha256 does not match

    const cases: Array<[string, Buffer, string]> = [
      ['garbage', Buffer.from('not a cache entry at all'), 'is truncated or not a cache entry (no valid manifest)'],
      ['truncated', good.subarray(0, good.length - 100), 'is truncated or not a cache entry (no valid manifest)'],
      ['bit flip', flipped, 'is corrupt (its archive does not match the sha256 in its manifest)'],
    ];
    for (const [name, bytes, problem] of cases) {
      await admin.send(new PutObjectCommand({ Bucket: remote.bucket, Key: objectKey, Body: bytes }));
      const { warnings, onWarning } = collector();
      const dir = join(work, `b-${name.replace(' ', '-')}`);
      const runnerB = await openCache(dir, config, onWarning);
      expect(await runnerB.restore('k1', join(work, 'target'), ['dist']), name).toBe(false);
      expect(warnings, name).toEqual([
        `Remote cache entry s3://slipway-cache/${objectKey} ${problem}; treated as a miss and not installed locally.`,
      ]);
      expect(await readdir(dir), name).toEqual([]); // neither the entry nor a temp file
      expect(runnerB.stats(), name).toEqual({ localHits: 0, remoteHits: 0, misses: 1, uploads: 0 });
    }

    // The runner that missed rebuilds and saves: the bad object is replaced, not skipped.
    const runnerC = await openCache(join(work, 'c'), config);
    await runnerC.save('k1', join(work, 'src'), ['dist']);
    expect(await runnerC.flush(10_000)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
    expect(await (await openCache(join(work, 'd'), config)).restore('k1', join(work, 'target'), ['dist'])).toBe(true);
  });

  it('two runners uploading the same key at once leave one valid entry', async () => {
    const config = isolated();
    await makeTree(join(work, 'src-a'), 'from-a');
    await makeTree(join(work, 'src-b'), 'from-b');
    const [runnerA, runnerB] = [await openCache(join(work, 'a'), config), await openCache(join(work, 'b'), config)];
    await Promise.all([runnerA.save('same', join(work, 'src-a'), ['dist']), runnerB.save('same', join(work, 'src-b'), ['dist'])]);
    const [summaryA, summaryB] = await Promise.all([runnerA.flush(10_000), runnerB.flush(10_000)]);
    expect(summaryA.failed + summaryB.failed).toBe(0);
    expect(summaryA.uploaded + summaryB.uploaded).toBeGreaterThanOrEqual(1);

    const { warnings, onWarning } = collector();
    const runnerC = await openCache(join(work, 'c'), config, onWarning);
    expect(await runnerC.restore('same', join(work, 'target'), ['dist'])).toBe(true);
    const restored = await snapshot(join(work, 'target/dist'));
    expect([await snapshot(join(work, 'src-a/dist')), await snapshot(join(work, 'src-b/dist'))]).toContainEqual(restored);
    expect(warnings).toEqual([]);
  });

  it('rejected credentials are one warning that never shows the secret, and the build goes on locally', async () => {
    // s3rver checks the access key id (not SigV4 signatures): an unknown one is refused.
    const secret = `wrong-secret-${randomBytes(8).toString('hex')}`;
    const { warnings, onWarning } = collector();
    const cache = await openCache(
      join(work, 'cache'),
      isolated({ credentials: { accessKeyId: 'UNKNOWNKEY', secretAccessKey: secret } }),
      onWarning,
    );
    await makeTree(join(work, 'src'), 'v1');
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    await cache.save('k1', join(work, 'src'), ['dist']);
    expect(await cache.flush(5_000)).toEqual({ uploaded: 0, skipped: 0, failed: 1 });
    expect(await cache.restore('k1', join(work, 'target'), ['dist'])).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Remote cache s3:\/\/slipway-cache\/t-[0-9a-f]+\/ at http:\/\/127\.0\.0\.1:\d+ refused the request \(InvalidAccessKeyId, HTTP 403: The AWS Access Key Id you provided does not exist in our records\); using the local cache only for the rest of this run\. Check the bucket, region and credentials\.$/,
    );
    expect(warnings[0]).not.toContain(secret);
    await expect(admin.send(new HeadObjectCommand({ Bucket: remote.bucket, Key: 'k1.entry' }))).rejects.toThrow();
  });

  it('flush gives up on uploads that outlast its timeout, with a warning', async () => {
    const { warnings, onWarning } = collector();
    const cache = await openCache(join(work, 'cache'), isolated(), onWarning);
    await makeTree(join(work, 'src'), 'v1');
    await cache.save('k1', join(work, 'src'), ['dist']);
    expect(await cache.flush(0)).toEqual({ uploaded: 0, skipped: 0, failed: 1 });
    expect(warnings).toEqual(['Remote cache: uploads still running after 0 s were abandoned; a later run uploads them again.']);
  });
});
