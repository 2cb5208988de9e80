import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../../shared/feedback/failure.ts';
import { checkedAccess, type ClusterAccess } from './access.ts';
import type { Kubeconfig } from './kubeconfig.ts';

/** Where Kubernetes mounts a pod's service account. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterProviderOptions {
  /** Where KUBERNETES_SERVICE_HOST and _PORT are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The mounted service account (token, ca.crt, namespace); injectable for tests. */
  serviceAccountDir?: string;
}

/**
 * A kubeconfig for the service account of the pod Slipway runs in. The token and CA are written
 * into it, so the YAML stands alone (the pipeline's run is shorter than the token's lifetime).
 */
export async function inClusterAccess(options: InClusterProviderOptions = {}): Promise<ClusterAccess> {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? serviceAccountDir;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  if (!host) {
    throw new Failure('not running inside a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set', {
      hint: 'the in-cluster provider works only on a runner inside the cluster; elsewhere use provider "kubeconfig" or "lightkeeper"',
    });
  }
  const token = (await readMounted(join(dir, 'token'), 'token'))?.trim();
  if (!token) {
    throw new Failure(`no service account token at ${join(dir, 'token')}`, {
      hint: 'give the runner pod a service account with automountServiceAccountToken: true, or use provider "kubeconfig"',
    });
  }
  const ca = await readMounted(join(dir, 'ca.crt'), 'CA certificate');
  const namespace = (await readMounted(join(dir, 'namespace'), 'namespace'))?.trim();
  // An IPv6 address needs brackets in a URL.
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfig: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'in-cluster', cluster: { server, ...(ca ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') } : {}) } },
    ],
    users: [{ name: 'service-account', user: { token } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'service-account', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'in-cluster',
  };
  return checkedAccess(kubeconfig, { provider: 'in-cluster', source: `the service account at ${dir}`, contextSetting: 'cluster.context' });
}

async function readMounted(path: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Failure(`cannot read the service account ${what} at ${path}: ${(error as Error).message}`);
  }
}
