import { spawn } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Failure } from '../../../shared/feedback/failure.ts';
import { freePort, waitFor } from '../../../shared/net.ts';
import { logFileTail } from './log-tail.ts';
import { processRef, stopProcess, type ProcessRef } from '../../../shared/process.ts';
import type { RunningResource } from './types.ts';

export interface S3Options {
  /** Where objects are stored (in `objects/`), with `s3.log` when detached. */
  dataDir: string;
  bucket: string;
  /** Keep the server running after this process exits (the local environment). */
  detached?: boolean;
}

// s3rver accepts exactly these credentials and checks request signatures against them.
const accessKey = 'S3RVER';
const region = 'us-east-1';
const startTimeoutMs = 15_000;
const launcher = fileURLToPath(new URL('./s3-launcher.mjs', import.meta.url));

/** Starts an S3-compatible server (s3rver) on a free loopback port with the bucket created. */
export async function startS3(opts: S3Options): Promise<RunningResource> {
  const dataDir = resolve(opts.dataDir);
  const objectsDir = join(dataDir, 'objects');
  // Objects left by a killed run would make this a different store than the one asked for.
  await rm(objectsDir, { recursive: true, force: true });
  await mkdir(objectsDir, { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = opts.detached ? await launchDetached(port, objectsDir, join(dataDir, 's3.log')) : await runInProcess(port, objectsDir);

  try {
    await createBucket(endpoint, opts.bucket, server.exited);
  } catch (error) {
    await server.stop();
    const logExcerpt = opts.detached ? await logFileTail(join(dataDir, 's3.log')) : [];
    if (error instanceof Failure) throw new Failure(error.specific, { details: error.details, logExcerpt, hint: error.hint });
    throw error;
  }

  return {
    kind: 's3',
    process: server.process,
    dataDir: objectsDir,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: opts.bucket,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: accessKey,
    },
    stop: server.stop,
  };
}

interface S3Server {
  process?: ProcessRef;
  /** Whether the server process has exited (always false in process). */
  exited(): boolean;
  stop(): Promise<void>;
}

async function runInProcess(port: number, objectsDir: string): Promise<S3Server> {
  const { createS3rver } = await import('./s3rver-server.mjs');
  const server = createS3rver({ address: '127.0.0.1', port, directory: objectsDir });
  try {
    await server.run();
  } catch (error) {
    throw new Failure(`The S3 server could not listen on 127.0.0.1:${port}`, { details: [(error as Error).message] });
  }
  let stopped = false;
  return {
    exited: () => false,
    stop: async () => {
      if (!stopped) await server.close();
      stopped = true;
      await rm(objectsDir, { recursive: true, force: true });
    },
  };
}

/** Runs the launcher as a session leader with its output in a log file, so it outlives us. */
async function launchDetached(port: number, objectsDir: string, logPath: string): Promise<S3Server> {
  const logFile = await open(logPath, 'w');
  const child = spawn(process.execPath, [launcher, JSON.stringify({ port, directory: objectsDir })], {
    detached: true,
    stdio: ['ignore', logFile.fd, logFile.fd],
  });
  await logFile.close();
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  child.unref();
  const server = processRef(child.pid);
  return { process: server, exited: () => exited || server === undefined, stop: () => stopDetachedS3(server, objectsDir) };
}

/** Stops a detached server, also from a later process that kept its ProcessRef. */
async function stopDetachedS3(server: ProcessRef | undefined, objectsDir: string): Promise<void> {
  await stopProcess(server, { group: false, graceMs: 10_000 });
  await rm(objectsDir, { recursive: true, force: true });
}

/** Stops an S3 server started with `detached: true` by an earlier process, from its process and objects directory. */
export function stopDetachedS3From(record: { process: ProcessRef; dataDir: string }): Promise<void> {
  return stopDetachedS3(record.process, record.dataDir);
}

/** Creates the bucket, waiting for the server to accept connections first. */
async function createBucket(endpoint: string, bucket: string, exited: () => boolean): Promise<void> {
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: accessKey },
  });
  let outcome: 'created' | Error | undefined;
  try {
    await waitFor(async () => {
      if (exited()) return true;
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        outcome = 'created';
      } catch (error) {
        // Only a refused connection means "not up yet"; anything else is the server's answer.
        if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
        outcome = error as Error;
      }
      return true;
    }, startTimeoutMs);
  } finally {
    client.destroy();
  }
  if (outcome === 'created') return;
  if (outcome instanceof Error) {
    throw new Failure(`The S3 server refused to create the bucket "${bucket}"`, {
      details: [`${outcome.name}: ${outcome.message}`],
      hint: 'Bucket names are 3 to 63 characters: lower-case letters, digits, dots and dashes.',
    });
  }
  if (exited()) throw new Failure(`The S3 server at ${endpoint} exited during startup`);
  throw new Failure(`The S3 server at ${endpoint} did not accept connections within ${startTimeoutMs / 1000} s`);
}
