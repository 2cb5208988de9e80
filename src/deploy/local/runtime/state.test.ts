import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../../shared/feedback/failure.ts';
import { environmentDir, lockEnvironment, withHistory, type HistoryEntry } from './state.ts';
import { repositoryOf, layerCompression } from './oci.ts';
import { formatSeconds } from './readiness.ts';

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'slipway-state-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('withHistory', () => {
  it('keeps the newest ten entries', () => {
    let history: HistoryEntry[] = [];
    for (let i = 1; i <= 12; i++)
      history = withHistory(history, { revision: `v${i}`, at: `t${i}`, outcome: i % 2 ? 'deployed' : 'failed' });
    expect(history.map((h) => h.revision)).toEqual(['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12']);
  });
});

describe('lockEnvironment', () => {
  it('lets one process change an environment at a time', async () => {
    const unlock = await lockEnvironment(stateDir, 'nonprod');
    const error = await lockEnvironment(stateDir, 'nonprod').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe(`environment nonprod is being changed by another Slipway process (pid ${process.pid})`);
    await unlock();
    await (
      await lockEnvironment(stateDir, 'nonprod')
    )();
  });

  it('takes over a lock left by a process that died', async () => {
    const dead = spawnSync('true').pid;
    await lockEnvironment(stateDir, 'qa').then((unlock) => unlock());
    await writeFile(join(environmentDir(stateDir, 'qa'), 'deploy.lock'), JSON.stringify({ pid: dead, startTime: '1' }));
    await (
      await lockEnvironment(stateDir, 'qa')
    )();
  });
});

describe('image names and formats', () => {
  it('names an image by its repository', () => {
    expect(repositoryOf('127.0.0.1:5000/embark/backend@sha256:abc')).toBe('embark/backend');
    expect(repositoryOf('ghcr.io/acme/embark/app:1.2.0')).toBe('acme/embark/app');
    expect(repositoryOf('embark/backend:v1')).toBe('embark/backend');
  });
  it('knows which layer media types it can unpack', () => {
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar+gzip')).toBe('gzip');
    expect(layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe('gzip');
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar')).toBe('none');
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar+zstd')).toBeUndefined();
  });
  it('formats waits in seconds', () => {
    expect([formatSeconds(20_000), formatSeconds(1500), formatSeconds(250), formatSeconds(12_400)]).toEqual([
      '20 s',
      '1.5 s',
      '0.3 s',
      '12 s',
    ]);
  });
});
