import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkedAccess, type AccessRequest } from './access.ts';
import { mergeKubeconfigs, parseKubeconfig, type Kubeconfig } from './kubeconfig.ts';
import { failureFrom } from '../../../test-support/failure-of.ts';

const request: AccessRequest = { provider: 'kubeconfig', source: 'ci.yaml', contextSetting: 'environments.nonprod.cluster.context' };

function kubeconfigOf(document: object): Kubeconfig {
  const parsed = parseKubeconfig(stringify(document));
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.kubeconfig;
}

const base = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'eks', cluster: { server: 'https://eks.example.test', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'deployer', user: { token: 'deploy-token-123456', exec: { command: 'aws' } } }],
  contexts: [{ name: 'nonprod', context: { cluster: 'eks', user: 'deployer', namespace: 'shop' } }],
  'current-context': 'nonprod',
};

describe('parseKubeconfig', () => {
  it('says why text is not a kubeconfig', () => {
    expect(parseKubeconfig('clusters: [unclosed')).toEqual({ problem: expect.stringMatching(/^it is not YAML \(/) });
    expect(parseKubeconfig('')).toEqual({ problem: 'expected a YAML mapping with clusters, users and contexts, got an empty document' });
    expect(parseKubeconfig('- a\n- b\n')).toEqual({ problem: 'expected a YAML mapping with clusters, users and contexts, got a list' });
    expect(parseKubeconfig('apiVersion: v1\nkind: Pod\nclusters: []\n')).toEqual({ problem: 'its kind is "Pod", expected "Config"' });
    expect(parseKubeconfig('name: x\nport: 3\n')).toEqual({ problem: 'it has neither clusters nor contexts (top-level keys: name, port)' });
    expect(parseKubeconfig('clusters:\n- cluster: {server: https://x}\n')).toEqual({
      problem: 'clusters[0].name: Invalid input: expected string, received undefined',
    });
  });

  it('keeps fields it does not know, and reads null lists as empty', () => {
    const parsed = parseKubeconfig('clusters: []\nusers: null\ncontexts: []\npreferences: {colors: true}\n');
    expect(parsed).toEqual({ kubeconfig: { clusters: [], users: [], contexts: [], preferences: { colors: true } } });
    expect(kubeconfigOf(base).users[0]!.user.exec).toEqual({ command: 'aws' });
  });
});

describe('checkedAccess', () => {
  it('gives the current context, its server, namespace and credentials', () => {
    const access = checkedAccess(kubeconfigOf(base), request);
    expect(access).toMatchObject({
      context: 'nonprod',
      cluster: 'eks',
      user: 'deployer',
      server: 'https://eks.example.test',
      namespace: 'shop',
      secrets: ['deploy-token-123456'],
    });
    expect(parseKubeconfig(access.yaml)).toEqual({ kubeconfig: access.kubeconfig });
  });

  it('makes the chosen context current in the YAML', () => {
    const two = { ...base, contexts: [...base.contexts, { name: 'admin', context: { cluster: 'eks' } }] };
    const access = checkedAccess(kubeconfigOf(two), { ...request, context: 'admin' });
    expect(access.yaml).toContain('current-context: admin');
    expect(access.user).toBeUndefined();
    expect(access.namespace).toBeUndefined();
  });

  it('names the contexts that exist when the chosen one does not', () => {
    const failure = failureFrom(() => checkedAccess(kubeconfigOf(base), { ...request, context: 'prod' }));
    expect(failure.specific).toBe('context "prod" does not exist in ci.yaml');
    expect(failure.details).toEqual(['environments.nonprod.cluster.context names context "prod"', 'contexts: nonprod']);
    expect(failure.hint).toBe('set environments.nonprod.cluster.context to one of: nonprod');
    const stale = failureFrom(() => checkedAccess(kubeconfigOf({ ...base, 'current-context': 'gone' }), request));
    expect(stale.specific).toBe('context "gone" does not exist in ci.yaml');
    expect(stale.details[0]).toBe('the current-context of ci.yaml is "gone"');
  });

  it('reports each gap between a context and a server precisely', () => {
    const cases: [object, string][] = [
      [{ ...base, contexts: [] }, 'ci.yaml defines no contexts'],
      [{ ...base, 'current-context': undefined }, 'ci.yaml sets no current-context and no context was chosen'],
      [{ ...base, clusters: [] }, 'context "nonprod" refers to cluster "eks", which ci.yaml does not define'],
      [{ ...base, users: [] }, 'context "nonprod" refers to user "deployer", which ci.yaml does not define'],
      [{ ...base, clusters: [{ name: 'eks', cluster: {} }] }, 'cluster "eks" in ci.yaml has no server'],
      [
        { ...base, clusters: [{ name: 'eks', cluster: { server: 'eks.example.test:443' } }] },
        'cluster "eks" in ci.yaml has an invalid server "eks.example.test:443"',
      ],
    ];
    for (const [document, specific] of cases)
      expect(failureFrom(() => checkedAccess(kubeconfigOf(document), request)).specific).toBe(specific);
  });
});

describe('mergeKubeconfigs', () => {
  it('lets the first file win for each name and for current-context, as kubectl does', () => {
    const first = kubeconfigOf({ clusters: [{ name: 'eks', cluster: { server: 'https://first' } }], contexts: [] });
    const second = kubeconfigOf({
      ...base,
      clusters: [
        { name: 'eks', cluster: { server: 'https://second' } },
        { name: 'kind', cluster: { server: 'https://kind' } },
      ],
    });
    const merged = mergeKubeconfigs([first, second]);
    expect(merged.clusters.map((entry) => entry.cluster.server)).toEqual(['https://first', 'https://kind']);
    expect(merged['current-context']).toBe('nonprod');
    expect(merged.contexts.map((entry) => entry.name)).toEqual(['nonprod']);
  });
});
