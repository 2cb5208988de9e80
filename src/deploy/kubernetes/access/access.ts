import { Failure } from '../../../shared/feedback/failure.ts';
import type { ClusterProvider } from '../../../config/cluster-schema.ts';
import { kubeconfigSecrets, kubeconfigYaml, type Kubeconfig } from './kubeconfig.ts';

/** What every provider yields: a checked kubeconfig and the facts a stage needs from it. */
export interface ClusterAccess {
  provider: ClusterProvider;
  /** Where the kubeconfig came from, for messages: a file, the service account, the Lightkeeper command. */
  source: string;
  /** The kubeconfig as YAML, current-context set to `context`. Holds credentials: never log or store it. */
  yaml: string;
  kubeconfig: Kubeconfig;
  /** The context used, and the cluster and user it names. */
  context: string;
  cluster: string;
  user?: string;
  /** The API server URL. */
  server: string;
  /** The context's namespace, when it sets one. */
  namespace?: string;
  /** Credentials in `yaml` and used to get it (tokens, keys, passwords): register them with the run's Redactor. */
  secrets: string[];
}

export interface AccessRequest {
  provider: ClusterProvider;
  source: string;
  /** The context asked for in the configuration; default: the kubeconfig's current-context. */
  context?: string;
  /** Where the user sets the context, for hints, e.g. "environments.nonprod.cluster.context". */
  contextSetting: string;
  /** Credentials used to obtain the kubeconfig (a Lightkeeper token), added to `secrets`. */
  secrets?: string[];
}

/**
 * Picks the context and checks that it leads somewhere: the context exists, its cluster and user
 * are defined, and the cluster has a usable server URL. Each gap is its own precise Failure.
 */
export function checkedAccess(kubeconfig: Kubeconfig, request: AccessRequest): ClusterAccess {
  const { source, contextSetting } = request;
  const names = kubeconfig.contexts.map((entry) => entry.name);
  if (names.length === 0) {
    throw new Failure(`${source} defines no contexts`, {
      hint: 'a kubeconfig needs a context naming a cluster and a user; check that it is the right file',
    });
  }
  const wanted = request.context ?? kubeconfig['current-context'] ?? undefined;
  if (!wanted) {
    throw new Failure(`${source} sets no current-context and no context was chosen`, {
      details: [`contexts: ${names.join(', ')}`],
      hint: `set ${contextSetting} to one of: ${names.join(', ')}`,
    });
  }
  const context = kubeconfig.contexts.find((entry) => entry.name === wanted);
  if (!context) {
    const how = request.context ? `${contextSetting} names context "${wanted}"` : `the current-context of ${source} is "${wanted}"`;
    throw new Failure(`context "${wanted}" does not exist in ${source}`, {
      details: [`${how}`, `contexts: ${names.join(', ')}`],
      hint: `set ${contextSetting} to one of: ${names.join(', ')}`,
    });
  }
  const { cluster: clusterName, user: userName, namespace } = context.context;
  const cluster = kubeconfig.clusters.find((entry) => entry.name === clusterName);
  if (!cluster) {
    throw new Failure(`context "${wanted}" refers to cluster "${clusterName}", which ${source} does not define`, {
      details: [`clusters: ${kubeconfig.clusters.map((entry) => entry.name).join(', ') || 'none'}`],
      hint: "the kubeconfig is incomplete: regenerate it, or fix the context's cluster name",
    });
  }
  if (userName && !kubeconfig.users.some((entry) => entry.name === userName)) {
    throw new Failure(`context "${wanted}" refers to user "${userName}", which ${source} does not define`, {
      details: [`users: ${kubeconfig.users.map((entry) => entry.name).join(', ') || 'none'}`],
      hint: "the kubeconfig is incomplete: regenerate it, or fix the context's user name",
    });
  }
  const server = cluster.cluster.server;
  if (!server) {
    throw new Failure(`cluster "${clusterName}" in ${source} has no server`, {
      hint: 'the cluster entry needs the API server URL, e.g. server: https://api.example.com:6443',
    });
  }
  if (!isServerUrl(server)) {
    throw new Failure(`cluster "${clusterName}" in ${source} has an invalid server "${server}"`, {
      hint: 'the server must be an http(s) URL, e.g. https://api.example.com:6443',
    });
  }
  return {
    provider: request.provider,
    source,
    yaml: kubeconfigYaml(kubeconfig, wanted),
    kubeconfig: { ...kubeconfig, 'current-context': wanted },
    context: wanted,
    cluster: clusterName,
    user: userName,
    server,
    namespace: namespace || undefined,
    secrets: [...new Set([...(request.secrets ?? []), ...kubeconfigSecrets(kubeconfig)])],
  };
}

function isServerUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}
