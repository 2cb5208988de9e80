import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { clusterAccess } from './cluster-access.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-serviceaccount-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

describe('in-cluster provider', () => {
  it("builds a standalone kubeconfig from the pod's service account", async () => {
    await writeFile(join(dir, 'token'), 'sa-token-abcdef123456\n');
    await writeFile(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
    await writeFile(join(dir, 'namespace'), 'slipway-ci\n');
    const access = await clusterAccess({ provider: 'in-cluster' }, { env: podEnv, serviceAccountDir: dir });
    expect(access).toMatchObject({
      provider: 'in-cluster',
      source: `the service account at ${dir}`,
      server: 'https://10.96.0.1:443',
      namespace: 'slipway-ci',
      context: 'in-cluster',
      secrets: ['sa-token-abcdef123456'],
    });
    expect(access.kubeconfig.clusters[0]!.cluster['certificate-authority-data']).toBe(
      Buffer.from('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n').toString('base64'),
    );
    expect(access.yaml).toContain('token: sa-token-abcdef123456');
  });

  it('brackets an IPv6 service host', async () => {
    await writeFile(join(dir, 'token'), 'sa-token-abcdef123456');
    const access = await clusterAccess(
      { provider: 'in-cluster' },
      { env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, serviceAccountDir: dir },
    );
    expect(access.server).toBe('https://[fd00::1]:6443');
    expect(access.namespace).toBeUndefined();
  });

  it('says when it is not inside a pod, or has no token', async () => {
    const outside = await failureOf(clusterAccess({ provider: 'in-cluster' }, { env: {}, serviceAccountDir: dir }));
    expect(outside.specific).toBe('not running inside a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set');
    const tokenless = await failureOf(clusterAccess({ provider: 'in-cluster' }, { env: podEnv, serviceAccountDir: dir }));
    expect(tokenless.specific).toBe(`no service account token at ${join(dir, 'token')}`);
    expect(tokenless.hint).toBe(
      'give the runner pod a service account with automountServiceAccountToken: true, or use provider "kubeconfig"',
    );
  });
});
