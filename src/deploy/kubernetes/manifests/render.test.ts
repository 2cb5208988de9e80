import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import { Failure } from '../../../shared/feedback/failure.ts';
import { embarkConfig, embarkRelease } from '../../../test-support/manifest-fixtures.ts';
import { renderManifests } from './render.ts';
import { validateManifests } from './validate.ts';
import type { KubeObject } from './types.ts';

/** The object of that kind and name, as its kubernetes-models type. */
function find<T>(objects: KubeObject[], kind: string, name: string): T {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind}/${name}`);
  return object as unknown as T;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('renderManifests', () => {
  const objects = renderManifests(embarkConfig(), 'dev', embarkRelease());

  it('renders manifests the official schemas and every policy accept', () => {
    expect(validateManifests(objects)).toEqual([]);
  });

  it('renders every object of the environment, namespace first and ingress last', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/embark-dev',
      'ConfigMap/embark-release',
      ...['backend', 'frontend'].flatMap((s) =>
        ['ServiceAccount', 'Service', 'Deployment', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy'].map(
          (k) => `${k}/embark-${s}`,
        ),
      ),
      'Ingress/embark',
    ]);
    expect(objects.slice(1).every((o) => o.metadata.namespace === 'embark-dev')).toBe(true);
  });

  it('pins every image by digest from the release manifest', () => {
    const images = objects
      .filter((o) => o.kind === 'Deployment')
      .map((d) => (d as unknown as IDeployment).spec!.template.spec!.containers[0].image);
    expect(images).toEqual([embarkRelease().images.backend.reference, embarkRelease().images.frontend.reference]);
    for (const image of images) expect(image).toMatch(/@sha256:[a-f0-9]{64}$/);
  });

  it('runs the backend locked down, with probes, resources, plain env and secrets by reference only', () => {
    const deployment = find<IDeployment>(objects, 'Deployment', 'embark-backend');
    const pod = deployment.spec!.template.spec!;
    const [container] = pod.containers;
    expect(deployment.metadata!.labels).toEqual({
      'app.kubernetes.io/name': 'backend',
      'app.kubernetes.io/part-of': 'embark',
      'app.kubernetes.io/version': '1.5.0',
      'app.kubernetes.io/managed-by': 'slipway',
      'slipway.dev/release': 'v1.5.0',
    });
    expect(deployment.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/part-of': 'embark' });
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/healthcheck', port: 'http' });
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/healthcheck', port: 'http' });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(container.env).toEqual([
      { name: 'APP_ENV', value: 'dev' },
      { name: 'FEATURE_SEARCH', value: 'on' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'PORT', value: '7007' },
    ]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'embark-postgres' } }, { secretRef: { name: 'embark-s3' } }]);
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('routes each service on the environment host and opens only its port', () => {
    const ingress = find<IIngress>(objects, 'Ingress', 'embark');
    expect(ingress.spec!.rules).toEqual([
      {
        host: 'dev.embark.localhost',
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'embark-backend', port: { name: 'http' } } } },
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'embark-frontend', port: { name: 'http' } } } },
          ],
        },
      },
    ]);
    expect(find<INetworkPolicy>(objects, 'NetworkPolicy', 'embark-frontend').spec!.ingress).toEqual([
      { ports: [{ port: 3000, protocol: 'TCP' }] },
    ]);
    expect(find<IService>(objects, 'Service', 'embark-backend').spec!.ports).toEqual([
      { name: 'http', port: 7007, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('scales from the environment replicas and summarises the release in a ConfigMap', () => {
    const prod = renderManifests(embarkConfig(), 'prod', embarkRelease());
    expect(find<IHorizontalPodAutoscaler>(prod, 'HorizontalPodAutoscaler', 'embark-backend').spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 9,
    });
    const summary = find<IConfigMap>(prod, 'ConfigMap', 'embark-release');
    expect(summary.data).toMatchObject({ version: '1.5.0', tag: 'v1.5.0', commit: 'c'.repeat(40) });
    expect(JSON.parse(summary.data!['images.json'])).toEqual({
      backend: embarkRelease().images.backend.reference,
      frontend: embarkRelease().images.frontend.reference,
    });
  });

  it('is pure: the same inputs give the same objects', () => {
    expect(renderManifests(embarkConfig(), 'dev', embarkRelease())).toEqual(objects);
  });

  it('fails precisely for an undeclared environment or a service without an image', () => {
    const unknown = thrown(() => renderManifests(embarkConfig(), 'qa', embarkRelease()));
    expect(unknown).toBeInstanceOf(Failure);
    expect(unknown).toMatchObject({ specific: 'unknown environment "qa"', details: ['declared environments: dev, prod'] });
    const release = embarkRelease();
    delete (release.images as Record<string, unknown>).frontend;
    expect(thrown(() => renderManifests(embarkConfig(), 'dev', release))).toMatchObject({
      specific: 'release v1.5.0 has no image for service "frontend"',
      details: ['images in the release: backend'],
    });
  });
});
