import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, environmentStatus, teardown } from './deploy.ts';
import { ociLayoutSource } from './image-source.ts';
import { writeOciImage } from '../../../test-support/oci-layout-writer.ts';
import { nodeBaseLayer } from '../../../test-support/node-base-layer.ts';
import { testServerSource } from '../../../test-support/test-server.ts';

// As root, services run chrooted into their image in new mount/uts/ipc/pid namespaces. The image's
// base layer is the host's node binary and the libraries ldd names: a real, self-contained rootfs.
const asRoot = process.getuid?.() === 0;
let work: string;
let stateDir: string;

/**
 * Processes whose root directory or command line lies in this test's state directory, as
 * "<pid> <state> <command line>": when an assertion on them fails, it shows which ones were there.
 */
function ourProcesses(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const inside = [readlinkSync(`/proc/${pid}/root`), readlinkSync(`/proc/${pid}/cwd`), cmdline].some((s) => s.includes(stateDir));
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return inside
          ? [`${pid} ${stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)} ${cmdline.split('\0').join(' ').trim()}`]
          : [];
      } catch {
        return [];
      }
    });
}

describe.skipIf(!asRoot)('local runtime deploys (isolated with namespaces)', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-ns-'));
    stateDir = join(work, 'state');
  });
  afterAll(async () => {
    await teardown(stateDir, 'dev');
    await rm(work, { recursive: true, force: true });
  });

  it('runs each service chrooted in its image, as the image user, alone in its pid namespace', async () => {
    const layout = join(work, 'layout');
    const { digest } = await writeOciImage(layout, {
      tag: 'v1',
      config: { Entrypoint: ['node'], Cmd: ['server.mjs'], Env: ['VERSION=v1'], WorkingDir: '/app', User: 'app' },
      layers: [
        { gzip: false, entries: nodeBaseLayer() },
        { gzip: true, entries: [{ path: 'app/server.mjs', content: testServerSource }] },
      ],
    });
    const logs: string[] = [];
    const result = await deploy({
      stateDir,
      environment: 'dev',
      revision: 'v1',
      readyTimeoutMs: 10_000,
      onLog: (line) => logs.push(line),
      services: [
        {
          name: 'backend',
          image: { source: ociLayoutSource(layout), reference: `embark/backend@${digest}`, digest },
          port: 7007,
          env: { SERVICE: 'backend', DB_PASSWORD: 'pw' },
          health: '/readyz',
          readiness: '/readyz',
          routes: ['/'],
        },
      ],
    });
    expect(logs.find((line) => line.startsWith('backend: v1 started'))).toMatch(
      /isolated with mount\/uts\/ipc\/pid namespaces in a chroot, as 65532:65532$/,
    );

    const answer = JSON.parse(await (await fetch(`${result.url}api/who`)).text()) as Record<string, unknown>;
    expect(answer).toEqual({
      version: 'v1',
      service: 'backend',
      method: 'GET',
      path: '/api/who',
      body: '',
      // pid 1 is Slipway's init, which passes signals on to the service.
      pid: 2,
      uid: 65532,
      seesHostFiles: false,
      secret: true,
    });
    expect((await environmentStatus(stateDir, 'dev'))!.services).toMatchObject([{ name: 'backend', alive: true, restarts: 0 }]);
    expect(ourProcesses(), 'router, supervisor, unshare, init, node').toHaveLength(5);

    await teardown(stateDir, 'dev');
    // SIGTERM reaches the service through the init (a namespace's pid 1 would ignore it) and
    // ends it, with no wait for the grace period and its SIGKILL; nothing of the namespace is left.
    const log = readFileSync(join(stateDir, 'envs', 'dev', 'v1', 'backend.log'), 'utf8');
    expect(log).toContain('stopping backend: SIGTERM');
    expect(log).not.toContain('did not stop within');
    expect(ourProcesses()).toEqual([]);
  });

  it('stops a service that handles SIGTERM with SIGTERM, and lets it close cleanly', async () => {
    const layout = join(work, 'graceful');
    const { digest } = await writeOciImage(layout, {
      tag: 'v2',
      config: { Entrypoint: ['node'], Cmd: ['server.mjs'], Env: ['VERSION=v2', 'GRACEFUL=1'], WorkingDir: '/app', User: 'app' },
      layers: [
        { gzip: false, entries: nodeBaseLayer() },
        { gzip: true, entries: [{ path: 'app/server.mjs', content: testServerSource }] },
      ],
    });
    const image = { source: ociLayoutSource(layout), reference: `embark/backend@${digest}`, digest };
    const service = {
      name: 'backend',
      image,
      port: 7007,
      env: { SERVICE: 'backend' },
      health: '/readyz',
      readiness: '/readyz',
      routes: ['/'],
    };
    const result = await deploy({ stateDir, environment: 'dev', revision: 'v2', readyTimeoutMs: 10_000, services: [service] });
    expect(JSON.parse(await (await fetch(`${result.url}api/who`)).text())).toMatchObject({ version: 'v2', pid: 2 });

    await teardown(stateDir, 'dev');
    const log = readFileSync(join(stateDir, 'envs', 'dev', 'v2', 'backend.log'), 'utf8');
    expect(log).toContain('stopping backend: SIGTERM');
    expect(log).toContain('v2 closing on SIGTERM');
    expect(log).not.toContain('did not stop within');
    expect(ourProcesses()).toEqual([]);
  });
});
