import { stringify } from 'yaml';

/**
 * A kubeconfig with one cluster, user and context, the way `kind` or `aws eks update-kubeconfig`
 * writes one. The server is plain HTTP on loopback, which @kubernetes/client-node 1.x refuses
 * unless the cluster sets insecure-skip-tls-verify.
 */
export function kubeconfigFor(url: string, token: string, namespace?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'standin', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'standin', user: { token } }],
    contexts: [{ name: 'standin', context: { cluster: 'standin', user: 'standin', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'standin',
    preferences: {},
  });
}
