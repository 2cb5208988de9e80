import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { Config, EnvironmentConfig } from '../../../config/schema.ts';
import type { ReleaseManifest } from '../../../release/manifest.ts';
import { Failure } from '../../../shared/feedback/failure.ts';
import { projectLabels } from './labels.ts';
import { renderIngress, renderNetworkPolicy, renderService } from './network.ts';
import type { KubeObject } from './types.ts';
import { renderAutoscaler, renderDeployment, renderDisruptionBudget, renderServiceAccount, type ServiceTarget } from './workload.ts';

/**
 * The Kubernetes objects that run `release` in `environment`: pure, so the same inputs always
 * give the same objects in the same order (namespace first, the ingress last).
 */
export function renderManifests(config: Config, environment: string, release: ReleaseManifest): KubeObject[] {
  const target = config.environments[environment];
  if (!target) {
    throw new Failure(`unknown environment "${environment}"`, {
      details: [`declared environments: ${Object.keys(config.environments).join(', ')}`],
      hint: 'Deploy to an environment declared under "environments" in slipway.config.ts.',
    });
  }
  const objects: object[] = [renderNamespace(config.project, target, release), renderReleaseSummary(config.project, target, release)];
  for (const [name, service] of Object.entries(config.services)) {
    const image = release.images[name];
    if (!image) {
      throw new Failure(`release ${release.tag} has no image for service "${name}"`, {
        details: [`images in the release: ${Object.keys(release.images).join(', ') || 'none'}`],
        hint: 'Every service in slipway.config.ts needs an image in the release; cut a new release that builds it.',
      });
    }
    const serviceTarget: ServiceTarget = { project: config.project, name, service, environment: target, release, image: image.reference };
    objects.push(
      renderServiceAccount(serviceTarget),
      renderService(serviceTarget),
      renderDeployment(serviceTarget),
      renderDisruptionBudget(serviceTarget),
      renderAutoscaler(serviceTarget),
      renderNetworkPolicy(serviceTarget),
    );
  }
  objects.push(renderIngress(config, target, release));
  return objects as KubeObject[];
}

/** The environment's own namespace, held to the "restricted" Pod Security Standard. */
function renderNamespace(project: string, environment: EnvironmentConfig, release: ReleaseManifest): INamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: environment.namespace,
      labels: { ...projectLabels(project, release), 'pod-security.kubernetes.io/enforce': 'restricted' },
    },
  };
}

/** What is deployed, readable in the cluster: the release manifest without its changelog. */
function renderReleaseSummary(project: string, environment: EnvironmentConfig, release: ReleaseManifest): IConfigMap {
  const images = Object.fromEntries(Object.entries(release.images).map(([service, image]) => [service, image.reference]));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${project}-release`, namespace: environment.namespace, labels: projectLabels(project, release) },
    data: {
      project: release.project,
      version: release.version,
      tag: release.tag,
      commit: release.commit,
      createdAt: release.createdAt,
      registry: release.registry,
      'images.json': JSON.stringify(images, null, 2),
      'packages.json': JSON.stringify(release.packages, null, 2),
    },
  };
}
