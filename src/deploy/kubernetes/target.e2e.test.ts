import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../config/schema.ts';
import { embarkReleaseOf } from '../../test-support/kube-fixtures.ts';
import { embarkConfig } from '../../test-support/manifest-fixtures.ts';
import { startKubeStandin, type KubeStandin } from '../../test-support/k8s-standin/index.ts';
import { LocalTarget } from '../local/target.ts';
import { openDeployTarget } from '../targets.ts';
import { KubernetesTarget } from './target.ts';

/** The DeployTarget of an environment with a cluster, through the one place targets are chosen, against the API server stand-in. */
let dir: string;
let standin: KubeStandin;
let config: Config;
let secrets: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-kube-target-'));
  standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
  await writeFile(join(dir, 'kubeconfig.yaml'), standin.kubeconfig);
  const base = embarkConfig();
  config = configSchema.parse({
    ...base,
    environments: { ...base.environments, dev: { ...base.environments.dev, cluster: { provider: 'kubeconfig', path: 'kubeconfig.yaml' } } },
  });
  secrets = [];
});

afterEach(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

const open = (environment: string) =>
  openDeployTarget(environment, {
    config,
    repoDir: dir,
    environmentsDir: join(dir, 'environments'),
    addSecret: (value) => secrets.push(value),
  });

describe('the Kubernetes deploy target', () => {
  it('is chosen for an environment with a cluster, and the local runtime for one without', async () => {
    expect(await open('dev')).toBeInstanceOf(KubernetesTarget);
    expect(await open('prod')).toBeInstanceOf(LocalTarget);
  });

  it('connects, deploys, reports what runs with its history, and takes the release out again', async () => {
    const target = await open('dev');
    expect(await target.connect()).toBe(`cluster standin at ${standin.url} through ${join(dir, 'kubeconfig.yaml')}`);
    expect(secrets).toContain(standin.token);
    expect(await target.status()).toBeUndefined();

    const release = embarkReleaseOf('1.4.0', 'a');
    const log: string[] = [];
    const deployed = await target.deploy({ release, runId: 7, log: (line) => log.push(line) });
    expect(deployed).toEqual({
      environment: 'dev',
      url: 'https://dev.embark.localhost',
      revision: '1',
      namespace: 'embark-dev',
      services: [
        { name: 'backend', url: 'https://dev.embark.localhost' },
        { name: 'frontend', url: 'https://dev.embark.localhost' },
      ],
    });
    expect(log).toContain('v1.4.0 is live in dev as revision 1');

    const live = await target.status();
    expect(live).toMatchObject({
      url: 'https://dev.embark.localhost',
      revision: '1',
      history: [{ revision: '1 (v1.4.0)', outcome: 'deployed' }],
    });
    expect(live?.services.map(({ name, alive }) => [name, alive])).toEqual([
      ['backend', true],
      ['frontend', true],
    ]);

    const removed: string[] = [];
    await target.teardown((line) => removed.push(line));
    expect(removed).toContain('deleted Deployment embark-backend in embark-dev');
    expect(standin.get('apps/v1', 'Deployment', 'embark-dev', 'embark-backend')).toBeUndefined();
    // The namespace and the revision history stay: the next deploy is revision 2.
    const after = await target.status();
    expect(after?.services.every((service) => !service.alive)).toBe(true);
    expect(after?.history).toEqual([expect.objectContaining({ revision: '1 (v1.4.0)' })]);
    expect((await target.deploy({ release, runId: 8, log: () => undefined })).revision).toBe('2');
  });
});
