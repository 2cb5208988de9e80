import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { tailLines } from '../../shared/exec.ts';
import { freePort, waitFor } from '../../shared/net.ts';
import { processRef, type ProcessRef } from '../../shared/process.ts';

export interface LocalRegistry {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** "127.0.0.1:PORT", the registry part of image references. */
  host: string;
  /** The registry server's process, for the records of what a run left running. */
  process?: ProcessRef;
  stop(): Promise<void>;
}

export interface LocalRegistryOptions {
  /** Blob storage, kept across runs. */
  storageDir: string;
  /** Refuse every push (storage.maintenance.readonly): the demo's "registry that refuses the push". */
  readOnly?: boolean;
  /** An htpasswd file (bcrypt) to require basic auth. */
  htpasswdFile?: string;
  /** The registry binary; the Debian package installs it at /usr/bin/docker-registry. */
  binary?: string;
}

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
const START_TIMEOUT_MS = 15_000;

/** The registry's configuration: loopback only, filesystem storage, optional read-only and htpasswd. */
export function registryConfig(opts: { port: number; storageDir: string; readOnly: boolean; htpasswdFile?: string }): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(opts.storageDir)}`,
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    '    readonly:',
    `      enabled: ${opts.readOnly}`,
    'http:',
    `  addr: 127.0.0.1:${opts.port}`,
  ];
  if (opts.htpasswdFile) lines.push('auth:', '  htpasswd:', '    realm: slipway', `    path: ${JSON.stringify(opts.htpasswdFile)}`);
  return `${lines.join('\n')}\n`;
}

/** Whether GET /v2/ answers at all (200, or 401 when auth is on): the API is up. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/v2/`, (response) => {
      response.resume();
      resolve(response.statusCode === 200 || response.statusCode === 401);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1000, () => request.destroy());
  });
}

/**
 * Starts the Debian `docker-registry` on a free loopback port with its blobs in `storageDir`
 * (kept across runs, so a second push finds its blobs), and waits until the API answers.
 */
export async function startLocalRegistry(opts: LocalRegistryOptions): Promise<LocalRegistry> {
  const binary = opts.binary ?? REGISTRY_BINARY;
  try {
    await access(binary);
  } catch {
    throw new Failure(`the local registry needs ${binary}, which is not installed`, {
      hint: 'install the Debian package docker-registry (apt-get install docker-registry), or set registry.url in slipway.config.ts',
    });
  }
  await mkdir(opts.storageDir, { recursive: true });
  // The free port may be taken by someone else before the registry binds it: pick another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(binary, opts);
    } catch (error) {
      if (attempt === 3 || !(error instanceof Failure) || !error.logExcerpt.some((line) => line.includes('address already in use')))
        throw error;
    }
  }
}

async function launch(binary: string, opts: LocalRegistryOptions): Promise<LocalRegistry> {
  const configDir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  const port = await freePort();
  const configFile = join(configDir, 'config.yml');
  await writeFile(
    configFile,
    registryConfig({ port, storageDir: opts.storageDir, readOnly: opts.readOnly ?? false, htpasswdFile: opts.htpasswdFile }),
  );

  const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (running) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    await rm(configDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const up = await waitFor(async () => running && (await answers(url)), START_TIMEOUT_MS);
  if (!up || !running) {
    await stop();
    throw new Failure(`the local registry did not start on 127.0.0.1:${port}`, {
      logExcerpt: tailLines(output),
      hint: 'check the registry log above; the storage directory must be writable',
    });
  }
  return { url, host: `127.0.0.1:${port}`, process: processRef(child.pid), stop };
}
