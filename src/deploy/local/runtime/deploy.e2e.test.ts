import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../shared/hash.ts';
import { deploy, environmentStatus, teardown, type ServiceDeployment } from './deploy.ts';
import { ociLayoutSource } from './image-source.ts';
import { writeOciImage } from '../../../test-support/oci-layout-writer.ts';
import { isRunning, type ProcessRef } from '../../../shared/process.ts';
import { readState } from './state.ts';
import { testServerSource } from '../../../test-support/test-server.ts';
import { failureOf } from '../../../test-support/failure-of.ts';

// Runs services without namespaces (the mode for machines where we are not root), with the host's
// node: fast, and exercises everything but the isolation (see namespaces.e2e.test.ts).
let work: string;
let stateDir: string;
let layout: string;
const environment = 'nonprod';

/** Processes started from this test's state directory (their command line names a path in it). */
function ourProcesses(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cmdline.includes(stateDir) || cwd.startsWith(stateDir) ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

async function image(version: string) {
  const { digest } = await writeOciImage(layout, {
    tag: version,
    config: { Entrypoint: ['node'], Cmd: ['/app/server.mjs'], Env: [`VERSION=${version}`], WorkingDir: '/app' },
    layers: [
      {
        gzip: true,
        entries: [
          { path: 'app/server.mjs', content: testServerSource },
          { path: 'app/VERSION', content: version },
        ],
      },
    ],
  });
  return { source: ociLayoutSource(layout), reference: `127.0.0.1:5000/embark/app@${digest}`, digest };
}

function services(img: ServiceDeployment['image'], backendEnv: Record<string, string> = {}): ServiceDeployment[] {
  return [
    { name: 'frontend', image: img, port: 3000, env: { SERVICE: 'frontend' }, health: '/readyz', readiness: '/readyz', routes: ['/'] },
    {
      name: 'backend',
      image: img,
      port: 7007,
      env: { SERVICE: 'backend', DB_PASSWORD: 's3cret-pw', ...backendEnv },
      health: '/readyz',
      readiness: '/readyz',
      routes: ['/api'],
    },
  ];
}

const logs: string[] = [];
const options = (revision: string, svc: ServiceDeployment[], readyTimeoutMs = 5000) => ({
  stateDir,
  environment,
  revision,
  services: svc,
  readyTimeoutMs,
  isolation: 'none' as const,
  restartDelayMs: 100,
  onLog: (line: string) => logs.push(line),
});

async function get(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, revision: response.headers.get('x-slipway-revision'), body: await response.text() };
}

describe('local runtime deploys (without isolation)', () => {
  let v1: Awaited<ReturnType<typeof image>>;
  let url: string;
  let v1Pids: ProcessRef[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-runtime-'));
    stateDir = join(work, 'state');
    layout = join(work, 'layout');
    v1 = await image('v1');
  });
  afterAll(async () => {
    await teardown(stateDir, environment);
    await rm(work, { recursive: true, force: true });
  });

  it('deploys v1 and serves it through the router URL', async () => {
    const result = await deploy(options('v1', services(v1)));
    url = result.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(result.revision).toBe('v1');
    expect(result.services.map((s) => s.name)).toEqual(['frontend', 'backend']);

    const api = await get(`${url}api/items?page=2`);
    expect(api).toMatchObject({ status: 200, revision: 'v1' });
    expect(JSON.parse(api.body)).toMatchObject({ version: 'v1', service: 'backend', path: '/api/items?page=2', secret: true });
    expect(JSON.parse((await get(url)).body)).toMatchObject({ version: 'v1', service: 'frontend' });
    const echoed = JSON.parse(
      (await get(`${url}api/echo`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })).body,
    );
    expect(echoed).toMatchObject({ method: 'POST', body: 'hello', service: 'backend' });
    expect(logs).toContain(
      "services run WITHOUT namespace isolation (as requested): each image's entrypoint runs from its unpacked filesystem on the host",
    );

    const state = (await readState(stateDir, environment))!;
    v1Pids = state.current!.services.map((s) => s.supervisor);
    expect(JSON.stringify(state)).not.toContain('s3cret-pw');
    expect(ourProcesses()).toHaveLength(5); // router + 2 × (supervisor + service)
  });

  it('keeps v1 serving when v2 never becomes ready, and reports why with the log', async () => {
    logs.length = 0;
    const failure = await failureOf(deploy(options('v2', services(v1, { VERSION: 'v2', READY: 'never' }), 1500)));
    expect(failure.specific).toBe('backend never became ready: /readyz answered 503 for 1.5 s');
    expect(failure.details[0]).toBe('revision v2 was not deployed to nonprod: its processes were stopped');
    expect(failure.details[1]).toBe(`v1 keeps serving ${url}, untouched`);
    expect(failure.logExcerpt.length).toBeGreaterThan(2);
    expect(failure.logExcerpt.length).toBeLessThanOrEqual(20);
    expect(failure.logExcerpt.at(-1)).toBe('not ready yet: waiting for the cache to warm');
    expect(failure.logExcerpt.join('\n')).not.toContain('s3cret-pw');
    expect(failure.hint).toBe('Make /readyz of backend answer 2xx within 1.5 s (its log is above), then release again.');
    expect(logs).toContain(`backend: image embark/app ${v1.digest} already unpacked`);

    expect(JSON.parse((await get(`${url}api/x`)).body)).toMatchObject({ version: 'v1' });
    expect(v1Pids.every(isRunning)).toBe(true);
    expect(ourProcesses()).toHaveLength(5);
  });

  it('reports a service that exits on start with its exit code and last log lines', async () => {
    const failure = await failureOf(deploy(options('v2', services(v1, { CRASH: '1' }), 20_000)));
    expect(failure.specific).toBe('backend exited with code 1');
    expect(failure.logExcerpt).toContain('boom: cannot connect to the database');
    expect(failure.hint).toBe('backend stopped during startup: its log above shows why. Fix it, then release again.');
    expect((await get(`${url}api/x`)).revision).toBe('v1');
  });

  it('switches to v3 without dropping a request, then stops v1', async () => {
    const v3 = await image('v3');
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) statuses.push((await get(`${url}api/load`)).status);
    })();
    const result = await deploy(options('v3', services(v3)));
    stop = true;
    await load;
    expect(result.url).toBe(url);
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(JSON.parse((await get(`${url}api/x`)).body)).toMatchObject({ version: 'v3', service: 'backend' });
    expect(v1Pids.some(isRunning)).toBe(false);
    expect(ourProcesses()).toHaveLength(5);
  });

  it('refuses an image whose blob does not match its digest, deploying nothing', async () => {
    const v4 = await image('v4');
    const manifest = JSON.parse(await readFile(join(layout, 'blobs/sha256', v4.digest.slice(7)), 'utf8')) as {
      layers: { digest: string }[];
    };
    const layer = manifest.layers[0].digest;
    await writeFile(join(layout, 'blobs/sha256', layer.slice(7)), 'not the layer');
    const failure = await failureOf(deploy(options('v4', services(v4))));
    expect(failure.specific).toBe(`image embark/app: layer ${layer} does not match its digest`);
    expect(failure.details[1]).toBe(`received content hashing to sha256:${sha256('not the layer')}`);
    expect(await readdir(join(stateDir, 'images'))).not.toContain(`sha256-${v4.digest.slice(7)}`);
    expect((await get(`${url}api/x`)).revision).toBe('v3');
    expect(ourProcesses()).toHaveLength(5);
  });

  it('restarts a service that crashes, counts it, and reports the history', async () => {
    const crashed = await fetch(`${url}api/crash`).then(
      (r) => r.status,
      () => 0,
    );
    expect([0, 502]).toContain(crashed);
    let status = await environmentStatus(stateDir, environment);
    for (
      let i = 0;
      i < 50 && !(status?.services.find((s) => s.name === 'backend')?.restarts === 1 && status.services.every((s) => s.alive));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await environmentStatus(stateDir, environment);
    }
    expect(status).toMatchObject({ url, revision: 'v3', routerAlive: true });
    expect(status!.services.map(({ name, alive, restarts }) => ({ name, alive, restarts }))).toEqual([
      { name: 'frontend', alive: true, restarts: 0 },
      { name: 'backend', alive: true, restarts: 1 },
    ]);
    expect(status!.history.map(({ revision, outcome }) => `${revision} ${outcome}`)).toEqual([
      'v1 deployed',
      'v2 failed',
      'v2 failed',
      'v3 deployed',
      'v4 failed',
    ]);
    expect(status!.history[1].reason).toBe('backend never became ready: /readyz answered 503 for 1.5 s');
    await expect.poll(async () => (await get(`${url}api/x`)).status).toBe(200);
    const log = await readFile(join(stateDir, 'envs', environment, 'v3', 'backend.log'), 'utf8');
    expect(log).toMatch(/backend exited with code 3; restarting in 100 ms \(restart 1\)/);
  });

  it('deploying the serving revision again changes nothing', async () => {
    const before = (await readState(stateDir, environment))!.current!.services.map((s) => s.supervisor.pid);
    const v3 = {
      source: ociLayoutSource(layout),
      reference: 'v3',
      digest: (await readState(stateDir, environment))!.current!.services[0].digest,
    };
    const result = await deploy(options('v3', services(v3)));
    expect(result.services.map((s) => s.pid)).toEqual(before);
  });

  it('teardown stops the router and every process', async () => {
    await teardown(stateDir, environment);
    expect(ourProcesses()).toEqual([]);
    await expect(fetch(url)).rejects.toThrow();
    expect(await environmentStatus(stateDir, environment)).toBeUndefined();
  });
});
