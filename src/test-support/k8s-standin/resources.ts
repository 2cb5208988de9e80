/** One resource type the stand-in serves: what discovery advertises and the router resolves. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** The URL segment: "deployments". */
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Whether clients may server-side apply it; pods, replica sets and events come from the rollout simulator. */
  applyable: boolean;
  subresources: string[];
}

const type = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  applyable: boolean,
  subresources: string[] = [],
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  applyable,
  subresources,
});

/** The subset of the API Slipway renders and a deploy reads back, and Argo CD's Application. */
export const resourceTypes: ResourceType[] = [
  type('', 'v1', 'Namespace', 'namespaces', false, true, ['status']),
  type('', 'v1', 'ConfigMap', 'configmaps', true, true),
  type('', 'v1', 'Secret', 'secrets', true, true),
  type('', 'v1', 'Service', 'services', true, true, ['status']),
  type('', 'v1', 'ServiceAccount', 'serviceaccounts', true, true),
  type('', 'v1', 'Pod', 'pods', true, false, ['log', 'status']),
  type('', 'v1', 'Event', 'events', true, false),
  type('apps', 'v1', 'Deployment', 'deployments', true, true, ['status']),
  type('apps', 'v1', 'ReplicaSet', 'replicasets', true, false, ['status']),
  type('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, true, ['status']),
  type('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, true),
  type('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, true, ['status']),
  type('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, true, ['status']),
  // Argo CD's Application, which a GitOps deploy reads; its status is what a test sets (see KubeStandin.set).
  type('argoproj.io', 'v1alpha1', 'Application', 'applications', true, false, ['status']),
];

export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** `GET /api/v1`, `GET /apis/apps/v1`: an APIResourceList, or undefined for a version not served. */
export function resourceList(group: string, version: string): object | undefined {
  const served = resourceTypes.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const verbs = (r: ResourceType) =>
    r.applyable ? ['create', 'delete', 'get', 'list', 'patch', 'watch'] : ['delete', 'get', 'list', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: served.flatMap((r) => [
      { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbs(r) },
      ...r.subresources.map((sub) => ({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: sub === 'log' ? 'Pod' : r.kind,
        verbs: ['get'],
      })),
    ]),
  };
}

/** `GET /api`: the core group's versions. */
export function coreVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

/** `GET /apis`: every named group with its one served version. */
export function groupList(): object {
  const groups = [...new Set(resourceTypes.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))].map((groupVersion) => {
    const [name, version] = groupVersion.split('/');
    const preferred = { groupVersion, version };
    return { name, versions: [preferred], preferredVersion: preferred };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}
