import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { EnvironmentConfig, ServiceConfig } from '../../../config/schema.ts';
import type { ReleaseManifest } from '../../../release/manifest.ts';
import { COMMIT, selectorLabels, serviceLabels } from './labels.ts';

/** The unprivileged user every container runs as (the distroless "nonroot" user). */
export const NON_ROOT_UID = 65532;

/** What a service's workload objects are rendered from. */
export interface ServiceTarget {
  project: string;
  name: string;
  service: ServiceConfig;
  environment: EnvironmentConfig;
  release: ReleaseManifest;
  /** Pull reference pinned by digest, from the release manifest. */
  image: string;
}

/** `<project>-<service>`: the name of every object that belongs to one service. */
export function resourceName(project: string, service: string): string {
  return `${project}-${service}`;
}

/** The name, namespace and labels every object of one service carries. */
export function serviceMetadata(target: ServiceTarget): { name: string; namespace: string; labels: Record<string, string> } {
  return {
    name: resourceName(target.project, target.name),
    namespace: target.environment.namespace,
    labels: serviceLabels(target.project, target.name, target.release),
  };
}

/** `<project>-<resource>`: the Secret holding a resource's connection settings. */
export function resourceSecretName(project: string, resource: string): string {
  return `${project}-${resource}`;
}

/**
 * Plain variables in name order: the service's, then the environment's (which win, being the
 * more specific to where the pod runs), then PORT, which must match the container port.
 */
function plainEnv(target: ServiceTarget): { name: string; value: string }[] {
  const merged = { ...target.service.env, ...target.environment.env, PORT: String(target.service.port) };
  return Object.keys(merged)
    .sort()
    .map((name) => ({ name, value: merged[name as keyof typeof merged] }));
}

function container(target: ServiceTarget): IContainer {
  const { service } = target;
  const quantities = { cpu: service.resources.cpu, memory: service.resources.memory };
  return {
    name: target.name,
    image: target.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: service.port, protocol: 'TCP' }],
    env: plainEnv(target),
    // Connection settings for each resource come from its Secret, so no value is in the manifest.
    envFrom: service.uses.map((resource) => ({ secretRef: { name: resourceSecretName(target.project, resource) } })),
    livenessProbe: { httpGet: { path: service.health, port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: {
      httpGet: { path: service.readiness ?? service.health, port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    // Requests equal to limits: the Guaranteed QoS class, so the pod is the last to be evicted.
    resources: { requests: quantities, limits: { ...quantities } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NON_ROOT_UID,
      runAsGroup: NON_ROOT_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    },
    // The root filesystem is read-only; /tmp is the one writable place.
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

export function renderDeployment(target: ServiceTarget): IDeployment {
  const { name, labels, namespace } = serviceMetadata(target);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels, annotations: { [COMMIT]: target.release.commit } },
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns the count, and re-applying a fixed
      // number on every deploy would scale a busy service back down.
      selector: { matchLabels: selectorLabels(target.project, target.name) },
      revisionHistoryLimit: 5,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...labels }, annotations: { [COMMIT]: target.release.commit } },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NON_ROOT_UID,
            runAsGroup: NON_ROOT_UID,
            fsGroup: NON_ROOT_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [container(target)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

export function renderServiceAccount(target: ServiceTarget): IServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: serviceMetadata(target),
    automountServiceAccountToken: false,
  };
}

/** At most one pod down at a time for voluntary disruptions; never blocks a single-replica drain. */
export function renderDisruptionBudget(target: ServiceTarget): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: serviceMetadata(target),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(target.project, target.name) } },
  };
}

/** The configured replicas are the floor; CPU pressure may add up to twice as many again. */
export function renderAutoscaler(target: ServiceTarget): IHorizontalPodAutoscaler {
  const metadata = serviceMetadata(target);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: metadata.name },
      minReplicas: target.environment.replicas,
      maxReplicas: target.environment.replicas * 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
  };
}
