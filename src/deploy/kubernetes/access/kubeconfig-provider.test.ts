import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { failureOf } from '../../../test-support/failure-of.ts';
import { clusterAccess } from './cluster-access.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-kubeconfig-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const kubeconfig = (name: string, server: string, extra: object = {}) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority': 'certs/ca.crt' } }],
    users: [{ name: `${name}-user`, user: { token: `${name}-token-0123456789` } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: `${name}-ns` } }],
    'current-context': name,
    ...extra,
  });

describe('kubeconfig provider', () => {
  it('reads the configured path, relative to the project, and makes its file paths absolute', async () => {
    await writeFile(join(dir, 'nonprod.yaml'), kubeconfig('eks', 'https://eks.example.test'));
    const access = await clusterAccess({ provider: 'kubeconfig', path: 'nonprod.yaml' }, { cwd: dir, env: {} });
    expect(access).toMatchObject({
      source: join(dir, 'nonprod.yaml'),
      context: 'eks',
      server: 'https://eks.example.test',
      namespace: 'eks-ns',
      secrets: ['eks-token-0123456789'],
    });
    expect(access.kubeconfig.clusters[0]!.cluster['certificate-authority']).toBe(join(dir, 'certs/ca.crt'));
  });

  it('defaults to ~/.kube/config', async () => {
    await mkdir(join(dir, '.kube'));
    await writeFile(join(dir, '.kube', 'config'), kubeconfig('kind', 'https://127.0.0.1:6443'));
    const access = await clusterAccess({ provider: 'kubeconfig' }, { env: { HOME: dir } });
    expect(access.source).toBe(join(dir, '.kube', 'config'));
    expect(access.server).toBe('https://127.0.0.1:6443');
  });

  it('merges the files of KUBECONFIG, skipping missing ones, and picks the chosen context', async () => {
    await writeFile(join(dir, 'a.yaml'), kubeconfig('alpha', 'https://alpha.example.test'));
    await writeFile(join(dir, 'b.yaml'), kubeconfig('beta', 'https://beta.example.test'));
    const files = [join(dir, 'a.yaml'), join(dir, 'missing.yaml'), join(dir, 'b.yaml')].join(delimiter);
    const access = await clusterAccess({ provider: 'kubeconfig', context: 'beta' }, { env: { KUBECONFIG: files } });
    expect(access).toMatchObject({ source: `KUBECONFIG (${files})`, context: 'beta', server: 'https://beta.example.test' });
    expect(access.yaml).toContain('current-context: beta');
    expect(access.secrets).toEqual(['alpha-token-0123456789', 'beta-token-0123456789']);
  });

  it('says where to point it when the file is missing or is not a kubeconfig', async () => {
    const missing = await failureOf(clusterAccess({ provider: 'kubeconfig' }, { env: { HOME: dir }, environment: 'nonprod' }));
    expect(missing.specific).toBe(`kubeconfig file ${join(dir, '.kube', 'config')} does not exist`);
    expect(missing.details).toEqual(['the file comes from the default location']);
    expect(missing.hint).toBe('set environments.nonprod.cluster.path in slipway.config.ts, or KUBECONFIG, to your kubeconfig file');
    const none = await failureOf(
      clusterAccess({ provider: 'kubeconfig' }, { env: { KUBECONFIG: [join(dir, 'x'), join(dir, 'y')].join(delimiter) } }),
    );
    expect(none.specific).toBe(`none of the kubeconfig files in KUBECONFIG exist (${join(dir, 'x')}, ${join(dir, 'y')})`);
    await writeFile(join(dir, 'values.yaml'), 'replicas: 2\n');
    const wrong = await failureOf(clusterAccess({ provider: 'kubeconfig', path: join(dir, 'values.yaml') }, { env: {} }));
    expect(wrong.specific).toBe(
      `${join(dir, 'values.yaml')} is not a kubeconfig: it has neither clusters nor contexts (top-level keys: replicas)`,
    );
    expect(wrong.hint).toBe('point cluster.path at a kubeconfig file (kubectl config view --raw shows a valid one)');
  });

  it('names the contexts when the chosen one does not exist', async () => {
    await writeFile(join(dir, 'config'), kubeconfig('eks', 'https://eks.example.test'));
    const failure = await failureOf(
      clusterAccess({ provider: 'kubeconfig', path: join(dir, 'config'), context: 'prod' }, { env: {}, environment: 'prod' }),
    );
    expect(failure.specific).toBe(`context "prod" does not exist in ${join(dir, 'config')}`);
    expect(failure.hint).toBe('set environments.prod.cluster.context to one of: eks');
  });
});
