import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startS3, type RunningResource } from '../../deploy/local/resources/index.ts';
import { git } from '../../shared/git.ts';
import { freePort } from '../../shared/net.ts';
import { openCache, RunCaches, type RemoteCacheConfig } from './open-cache.ts';
import type { TieredCache } from './tiered-cache.ts';

let s3: RunningResource;
let s3DataDir: string;
let admin: S3Client;
let remote: RemoteCacheConfig;
/** The HMAC key every runner here signs and verifies with: in the environment, as CI would give it. */
const cacheKey = randomBytes(32).toString('hex');
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
  for (const warning of allWarnings) {
    expect(warning).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    expect(warning).not.toContain(cacheKey);
  }
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-remote-'));
  vi.stubEnv('SLIPWAY_CACHE_KEY', cacheKey);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(work, { recursive: true, force: true });
});

/** A fresh prefix per test, so tests never see each other's objects; every run may write (the branch rule has its own tests). */
function isolated(extra: Partial<RemoteCacheConfig> = {}): RemoteCacheConfig {
  return { ...remote, prefix: `t-${randomBytes(4).toString('hex')}/`, write: true, ...extra };
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
    const runnerA = await RunCaches.connect(join(work, 'a'), config, { onWarning: collector().onWarning });
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
    const runnerB = await RunCaches.connect(join(work, 'b'), config, { onWarning });
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
    const run = await RunCaches.connect(join(work, 'cache'), isolated({ endpoint: `http://127.0.0.1:${closedPort}` }), { onWarning });
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

  it('a corrupt or truncated remote object (its signature kept) is a miss with one warning and is never installed locally', async () => {
    const config = isolated();
    const runnerA = await openCache(join(work, 'a'), config);
    await makeTree(join(work, 'src'), 'v1');
    await runnerA.save('k1', join(work, 'src'), ['dist']);
    await runnerA.flush(10_000);
    const objectKey = `${config.prefix}k1.entry`;
    const good = await objectBytes(objectKey);
    const { Metadata } = await admin.send(new HeadObjectCommand({ Bucket: remote.bucket, Key: objectKey }));
    expect(Metadata?.['entry-signature']).toMatch(/^hmac-sha256:[A-Za-z0-9+/]{43}=$/);
    const flipped = Buffer.from(good);
    flipped[1000] ^= 0xff;

    const cases: Array<[string, Buffer]> = [
      ['truncated', good.subarray(0, good.length - 100)],
      ['bit flip', flipped],
    ];
    let lastToMiss: TieredCache | undefined;
    for (const [name, bytes] of cases) {
      await admin.send(new PutObjectCommand({ Bucket: remote.bucket, Key: objectKey, Body: bytes, Metadata }));
      const { warnings, onWarning } = collector();
      const dir = join(work, `b-${name.replace(' ', '-')}`);
      lastToMiss = await openCache(dir, config, { onWarning });
      expect(await lastToMiss.restore('k1', join(work, 'target'), ['dist']), name).toBe(false);
      expect(await lastToMiss.readMeta('k1'), name).toBeUndefined(); // fetched again, refused again, warned once
      expect(warnings, name).toEqual([
        `Remote cache entry s3://slipway-cache/${objectKey} does not match its signature (its content was changed, it was copied from another key, or another key signed it); refused: treated as a miss and not installed locally.`,
      ]);
      expect(await readdir(dir), name).toEqual([]); // neither the entry nor a temp file
      expect(lastToMiss.stats(), name).toEqual({ localHits: 0, remoteHits: 0, misses: 1, uploads: 0 });
    }

    // The runner that missed rebuilds and saves: the bad object (the same size, carrying the very
    // signature this save makes) is replaced, not taken as already there.
    await lastToMiss!.save('k1', join(work, 'src'), ['dist']);
    expect(await lastToMiss!.flush(10_000)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
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
    const runnerC = await openCache(join(work, 'c'), config, { onWarning });
    expect(await runnerC.restore('same', join(work, 'target'), ['dist'])).toBe(true);
    const restored = await snapshot(join(work, 'target/dist'));
    expect([await snapshot(join(work, 'src-a/dist')), await snapshot(join(work, 'src-b/dist'))]).toContainEqual(restored);
    expect(warnings).toEqual([]);
  });

  it('rejected credentials are one warning that never shows the secret, and the build goes on locally', async () => {
    // s3rver checks the access key id (not SigV4 signatures): an unknown one is refused.
    const secret = `wrong-secret-${randomBytes(8).toString('hex')}`;
    const { warnings, onWarning } = collector();
    const cache = await openCache(join(work, 'cache'), isolated({ credentials: { accessKeyId: 'UNKNOWNKEY', secretAccessKey: secret } }), {
      onWarning,
    });
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
    const cache = await openCache(join(work, 'cache'), isolated(), { onWarning });
    await makeTree(join(work, 'src'), 'v1');
    await cache.save('k1', join(work, 'src'), ['dist']);
    expect(await cache.flush(0)).toEqual({ uploaded: 0, skipped: 0, failed: 1 });
    expect(warnings).toEqual(['Remote cache: uploads still running after 0 s were abandoned; a later run uploads them again.']);
  });

  it('with Ed25519, the runner given the private key uploads; one with only the public key reads and uploads nothing', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const config = isolated({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string, write: 'main' });
    const mainRepo = await repository(join(work, 'main-repo'), 'main');
    const pullRequest = await repository(join(work, 'pr-repo'), 'feature/x');

    vi.stubEnv('SLIPWAY_CACHE_KEY', privatePem);
    const writer = collector();
    const writerSecrets: string[] = [];
    const runnerA = await RunCaches.connect(join(work, 'a'), config, {
      onWarning: writer.onWarning,
      repoDir: mainRepo,
      addSecret: (value) => writerSecrets.push(value),
    });
    expect(writerSecrets).toEqual([privatePem.trim(), privatePem]); // masked by the run's redactor
    await makeTree(join(work, 'src'), 'v1');
    await runnerA.open('outputs').save('build-1', join(work, 'src'), ['dist']);
    expect(await runnerA.flush(10_000)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
    expect(
      (await admin.send(new HeadObjectCommand({ Bucket: remote.bucket, Key: `${config.prefix}outputs/build-1.entry` }))).Metadata,
    ).toEqual({
      'entry-signature': expect.stringMatching(/^ed25519:[A-Za-z0-9+/]{86}==$/),
    });

    vi.stubEnv('SLIPWAY_CACHE_KEY', undefined); // a pull request's job is given no secret
    const reader = collector();
    const readerSecrets: string[] = [];
    const runnerB = await RunCaches.connect(join(work, 'b'), config, {
      onWarning: reader.onWarning,
      repoDir: pullRequest,
      addSecret: (value) => readerSecrets.push(value),
    });
    expect(runnerB.remoteReadOnlyBecause).toBe('branch feature/x is not in cache.remote.write');
    expect(await runnerB.open('outputs').restore('build-1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await snapshot(join(work, 'target/dist'))).toEqual(await snapshot(join(work, 'src/dist')));
    await runnerB.open('outputs').save('build-2', join(work, 'src'), ['dist']);
    expect(await runnerB.flush(10_000)).toEqual({ uploaded: 0, skipped: 0, failed: 0 });
    expect(runnerB.stats()).toEqual({ localHits: 0, remoteHits: 1, misses: 0, uploads: 0 });
    expect([writer.warnings, reader.warnings, readerSecrets]).toEqual([[], [], []]);
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: remote.bucket, Prefix: config.prefix }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`${config.prefix}outputs/build-1.entry`]);
    for (const warning of allWarnings) expect(warning).not.toContain(privatePem.split('\n')[1]);
  });

  it('only the branches in cache.remote.write upload (main by default); others and a detached HEAD read', async () => {
    const config = isolated({ write: undefined, keyFile: '.slipway-cache.key' });
    vi.stubEnv('SLIPWAY_CACHE_KEY', undefined);
    const repos = {
      main: await repository(join(work, 'main'), 'main'),
      feature: await repository(join(work, 'feature'), 'feature/y'),
      detached: await repository(join(work, 'detached'), 'main'),
    };
    await git(repos.detached, ['commit', '-q', '--allow-empty', '-m', 'one']);
    await git(repos.detached, ['checkout', '-q', '--detach']);
    for (const repo of Object.values(repos)) await writeFile(join(repo, '.slipway-cache.key'), `${cacheKey}\n`); // relative to the repository
    await makeTree(join(work, 'src'), 'v1');

    const { warnings, onWarning } = collector();
    const onMain = await RunCaches.connect(join(work, 'cache-main'), config, { onWarning, repoDir: repos.main });
    expect(onMain.remoteReadOnlyBecause).toBeUndefined();
    await onMain.open('outputs').save('from-main', join(work, 'src'), ['dist']);
    expect(await onMain.flush(10_000)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });

    for (const [name, because] of [
      ['feature', 'branch feature/y is not in cache.remote.write'],
      ['detached', 'a detached HEAD is not in cache.remote.write'],
    ] as const) {
      const run = await RunCaches.connect(join(work, `cache-${name}`), config, { onWarning, repoDir: repos[name] });
      expect(run.remoteReadOnlyBecause, name).toBe(because);
      expect(await run.open('outputs').restore('from-main', join(work, `target-${name}`), ['dist']), name).toBe(true);
      await run.open('outputs').save(`from-${name}`, join(work, 'src'), ['dist']);
      expect(await run.flush(10_000), name).toEqual({ uploaded: 0, skipped: 0, failed: 0 });
    }
    expect(warnings).toEqual([]);
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: remote.bucket, Prefix: config.prefix }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`${config.prefix}outputs/from-main.entry`]);
  });

  it('without a key the remote is not used: one warning saying how to set it, nothing sent, the local cache still works', async () => {
    vi.stubEnv('SLIPWAY_CACHE_KEY', undefined);
    const config = isolated();
    const { warnings, onWarning } = collector();
    const run = await RunCaches.connect(join(work, 'cache'), config, { onWarning });
    const outputs = run.open('outputs');
    await makeTree(join(work, 'src'), 'v1');
    expect(await outputs.restore('k1', join(work, 'target'), ['dist'])).toBe(false);
    await outputs.save('k1', join(work, 'src'), ['dist']);
    expect(await outputs.restore('k1', join(work, 'target'), ['dist'])).toBe(true);
    expect(await run.flush(10_000)).toEqual({ uploaded: 0, skipped: 0, failed: 0 });
    expect(run.stats()).toEqual({ localHits: 1, remoteHits: 0, misses: 1, uploads: 0 });
    expect(warnings).toEqual([
      `Remote cache s3://slipway-cache/${config.prefix} is not used: its entries must be signed, and no key was given. Set SLIPWAY_CACHE_KEY ` +
        "(a secret of at least 32 characters, e.g. from `openssl rand -hex 32`, kept in your CI's secrets) or cache.remote.keyFile; " +
        'with cache.remote.publicKey, runs without the private key read only.',
    ]);
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: remote.bucket, Prefix: config.prefix }));
    expect(listed.Contents ?? []).toEqual([]);
  });
});

/** A git repository with `branch` checked out (no commit needed to name it). */
async function repository(dir: string, branch: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', branch]);
  await git(dir, ['config', 'user.email', 'test@example.com']);
  await git(dir, ['config', 'user.name', 'Test']);
  return dir;
}
