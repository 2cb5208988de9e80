import type { IService } from 'kubernetes-models/v1/Service';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IHTTPIngressPath } from 'kubernetes-models/networking.k8s.io/v1/HTTPIngressPath';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { Config, EnvironmentConfig } from '../../../config/schema.ts';
import type { ReleaseManifest } from '../../../release/manifest.ts';
import { projectLabels, selectorLabels } from './labels.ts';
import { resourceName, serviceMetadata, type ServiceTarget } from './workload.ts';

export function renderService(target: ServiceTarget): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: serviceMetadata(target),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(target.project, target.name),
      ports: [{ name: 'http', port: target.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** Only the service's own port is reachable; every other port on its pods is closed. */
export function renderNetworkPolicy(target: ServiceTarget): INetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: serviceMetadata(target),
    spec: {
      podSelector: { matchLabels: selectorLabels(target.project, target.name) },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: target.service.port, protocol: 'TCP' }] }],
    },
  };
}

/** One Ingress for the environment's host: every route of every service, by path prefix. */
export function renderIngress(config: Config, environment: EnvironmentConfig, release: ReleaseManifest): IIngress {
  const paths = Object.entries(config.services).flatMap(([name, service]) =>
    service.routes.map((path): IHTTPIngressPath => ({
      path,
      pathType: 'Prefix',
      backend: { service: { name: resourceName(config.project, name), port: { name: 'http' } } },
    })),
  );
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: config.project, namespace: environment.namespace, labels: projectLabels(config.project, release) },
    spec: { rules: [{ host: environment.host, http: { paths } }] },
  };
}
