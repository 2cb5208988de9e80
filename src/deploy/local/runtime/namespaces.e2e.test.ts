import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, environmentStatus, teardown } from './deploy.ts';
import { ociLayoutSource } from './image-source.ts';
import { writeOciImage, type LayerEntry } from '../../../test-support/oci-layout-writer.ts';
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

function nodeBaseLayer(): LayerEntry[] {
  const libraries = execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  return [
    { path: 'usr/bin/node', hostFile: process.execPath },
    ...libraries.map((lib) => ({ path: lib.slice(1), hostFile: lib })),
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:65532:65532::/home/app:/sbin/nologin\n' },
    { path: 'etc/group', content: 'root:x:0:\napp:x:65532:\n' },
  ];
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
      pid: 1,
      uid: 65532,
      seesHostFiles: false,
      secret: true,
    });
    expect((await environmentStatus(stateDir, 'dev'))!.services).toMatchObject([{ name: 'backend', alive: true, restarts: 0 }]);
    expect(ourProcesses(), 'router, supervisor, unshare, node').toHaveLength(4);

    const started = Date.now();
    await teardown(stateDir, 'dev');
    const tookMs = Date.now() - started;
    expect(tookMs, `teardown took ${tookMs} ms`).toBeLessThan(2000); // pid 1 without a SIGTERM handler is killed, not waited for
    expect(ourProcesses()).toEqual([]);
  });
});
