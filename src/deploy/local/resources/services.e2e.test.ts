import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../../shared/feedback/failure.ts';
import { exec } from '../../../shared/exec.ts';
import { isRunning, type ProcessRef } from '../../../shared/process.ts';
import { startResources, stopDetachedResource } from './resources.ts';
import { resourceSecretNames } from './secrets.ts';
import { startS3 } from './s3.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-services-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function selectOne(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one;
  } finally {
    await client.end();
  }
}

function s3Client(env: Record<string, string>): S3Client {
  return new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
}

async function putAndGet(env: Record<string, string>, key: string, text: string): Promise<string> {
  const client = s3Client(env);
  try {
    await client.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: key, Body: text }));
    const object = await client.send(new GetObjectCommand({ Bucket: env.S3_BUCKET, Key: key }));
    return await object.Body!.transformToString();
  } finally {
    client.destroy();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('startResources', () => {
  it('starts PostgreSQL and S3 that answer, and stop leaves no process and no data', async () => {
    const started = await startResources(['postgres', 's3'], { dir });
    try {
      expect(Object.keys(started.env).sort()).toEqual([
        'AWS_ACCESS_KEY_ID',
        'AWS_REGION',
        'AWS_SECRET_ACCESS_KEY',
        'DATABASE_URL',
        'PGDATABASE',
        'PGHOST',
        'PGPASSWORD',
        'PGPORT',
        'PGUSER',
        'S3_BUCKET',
        'S3_ENDPOINT',
      ]);
      expect(started.env.DATABASE_URL).toBe(`postgres://slipway:${started.env.PGPASSWORD}@127.0.0.1:${started.env.PGPORT}/slipway`);
      expect(started.env.PGPASSWORD).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(resourceSecretNames(started.env)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'PGPASSWORD']);
      expect(await selectOne(started.env.DATABASE_URL)).toBe(1);
      expect(await putAndGet(started.env, 'reports/hello.txt', 'hello from slipway')).toBe('hello from slipway');
    } finally {
      await started.stop();
    }
    const postgres = started.resources.find((resource) => resource.kind === 'postgres')!;
    expect(postgres.process?.pid).toBeGreaterThan(0);
    expect(isRunning(postgres.process)).toBe(false);
    expect(await exists(postgres.dataDir)).toBe(false);
    await expect(selectOne(started.env.DATABASE_URL)).rejects.toThrow(/ECONNREFUSED/);
    await expect(putAndGet(started.env, 'after-stop', 'x')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('gives each start its own password', async () => {
    const [first, second] = await Promise.all([
      startResources(['postgres'], { dir: join(dir, 'a') }),
      startResources(['postgres'], { dir: join(dir, 'b') }),
    ]);
    try {
      expect(first.env.PGPASSWORD).not.toBe(second.env.PGPASSWORD);
      expect(first.env.PGPORT).not.toBe(second.env.PGPORT);
      // The first instance's password does not open the second.
      const wrong = first.env.DATABASE_URL.replace(`:${first.env.PGPORT}/`, `:${second.env.PGPORT}/`);
      await expect(selectOne(wrong)).rejects.toThrow('password authentication failed for user "slipway"');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe('detached resources', () => {
  it('outlive the process that started them and are stopped from their records', async () => {
    const run = await exec(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../../test-support/start-detached-resources.ts'), dir],
      { timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const { env, resources } = JSON.parse(run.stdout) as {
      env: Record<string, string>;
      resources: { kind: 'postgres' | 's3'; process: ProcessRef; dataDir: string }[];
    };
    try {
      expect(resources.map((resource) => resource.kind).sort()).toEqual(['postgres', 's3']);
      expect(await selectOne(env.DATABASE_URL)).toBe(1);
      expect(await putAndGet(env, 'still-here.txt', 'detached')).toBe('detached');
      expect(await readdir(dir)).toEqual(expect.arrayContaining(['postgres', 's3']));
    } finally {
      await Promise.all(resources.map((resource) => stopDetachedResource(resource)));
    }
    for (const resource of resources) {
      expect(resource.process.startTime).toBeDefined();
      expect(isRunning(resource.process)).toBe(false);
      expect(await exists(resource.dataDir)).toBe(false);
    }
    await expect(selectOne(env.DATABASE_URL)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stop() of a detached S3 server kills it', async () => {
    const s3 = await startS3({ dataDir: dir, bucket: 'artifacts', detached: true });
    expect(isRunning(s3.process)).toBe(true);
    expect(await putAndGet(s3.env, 'a.txt', 'a')).toBe('a');
    await s3.stop();
    expect(isRunning(s3.process)).toBe(false);
  });
});

describe('the S3 server', () => {
  it('keeps uploads of one key at once whole, as S3 does: the last one wins with its own metadata', async () => {
    const s3 = await startS3({ dataDir: dir, bucket: 'cache' });
    const client = s3Client(s3.env);
    try {
      for (let round = 0; round < 4; round++) {
        const uploads = ['a', 'b', 'c'].map((writer) =>
          client.send(new PutObjectCommand({ Bucket: 'cache', Key: 'entry', Body: Buffer.alloc(4 << 20, writer), Metadata: { writer } })),
        );
        await Promise.all(uploads);
        const object = await client.send(new GetObjectCommand({ Bucket: 'cache', Key: 'entry' }));
        const body = Buffer.from(await object.Body!.transformToByteArray());
        expect(body.length).toBe(4 << 20);
        expect(body.equals(Buffer.alloc(4 << 20, object.Metadata!.writer))).toBe(true);
      }
    } finally {
      client.destroy();
      await s3.stop();
    }
  });
});

describe('failures', () => {
  it('reports a bucket name S3 refuses, and leaves no server running', async () => {
    const error = await startS3({ dataDir: dir, bucket: 'Not_A_Bucket' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe('The S3 server refused to create the bucket "Not_A_Bucket"');
    expect((error as Failure).details[0]).toMatch(/^InvalidBucketName: /);
    expect((error as Failure).hint).toBe('Bucket names are 3 to 63 characters: lower-case letters, digits, dots and dashes.');
  });

  it('a stopped resource set reports its S3 port as closed', async () => {
    const started = await startResources(['s3'], { dir });
    await started.stop();
    const client = s3Client(started.env);
    await expect(client.send(new CreateBucketCommand({ Bucket: 'again' }))).rejects.toThrow(/ECONNREFUSED/);
    client.destroy();
  });
});
