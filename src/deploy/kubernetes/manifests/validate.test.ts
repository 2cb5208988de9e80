import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { embarkConfig, embarkRelease } from '../../../test-support/manifest-fixtures.ts';
import { renderManifests } from './render.ts';
import { findingsFailure, validateManifests } from './validate.ts';
import type { Finding, KubeObject } from './types.ts';

const POD = 'spec.template.spec';
const BACKEND = 'Deployment/embark-backend';

/** The rendered dev manifests with the backend Deployment changed by `mutate`, and their findings. */
function findingsAfter(mutate: (deployment: IDeployment) => void): Finding[] {
  const objects = structuredClone(renderManifests(embarkConfig(), 'dev', embarkRelease()));
  mutate(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'embark-backend') as unknown as IDeployment);
  return validateManifests(objects);
}

const pod = (deployment: IDeployment) => deployment.spec!.template.spec!;
const container = (deployment: IDeployment) => pod(deployment).containers[0];
/** Sets a field to a value of the wrong type, as a hand-edited manifest might. */
const corrupt = (object: object, key: string, value: unknown) => Reflect.set(object, key, value);

describe('validateManifests: the official schema', () => {
  it('rejects an invalid memory quantity at its field path', () => {
    expect(
      findingsAfter((d) => {
        container(d).resources!.limits!.memory = 'lots';
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].resources.limits.memory`,
        rule: 'schema',
        message: 'is not a Kubernetes quantity',
        fix: 'use a quantity such as "128Mi", "1Gi", "250m" or "0.5"',
      },
    ]);
  });

  it('rejects a wrongly typed field and a missing required one', () => {
    expect(
      findingsAfter((d) => {
        corrupt(container(d).ports![0], 'containerPort', '7007');
        Reflect.deleteProperty(container(d), 'name');
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].name`,
        rule: 'schema',
        message: 'required field "name" is missing',
        fix: 'set "name"',
      },
      {
        object: BACKEND,
        path: `${POD}.containers[0].ports[0].containerPort`,
        rule: 'schema',
        message: 'must be an integer',
        fix: 'set it to an integer',
      },
    ]);
  });

  it('names a label key with dots and slashes as a quoted key', () => {
    expect(
      findingsAfter((d) => {
        corrupt(d.metadata!.labels!, 'app.kubernetes.io/version', 150);
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: 'metadata.labels["app.kubernetes.io/version"]',
        rule: 'schema',
        message: 'must be a string',
        fix: 'set it to a string',
      },
    ]);
  });

  it('reports a kind it has no schema for', () => {
    const objects: KubeObject[] = [{ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'embark-backend' } }];
    expect(validateManifests(objects)).toEqual([
      {
        object: 'Deploymnet/embark-backend',
        path: 'kind',
        rule: 'unknown-kind',
        message: 'unknown kind "Deploymnet" in apiVersion "apps/v1": there is no schema to check it against',
        fix: 'use one of: v1 Namespace, v1 ServiceAccount, v1 ConfigMap, v1 Secret, v1 Service, apps/v1 Deployment, policy/v1 PodDisruptionBudget, autoscaling/v2 HorizontalPodAutoscaler, networking.k8s.io/v1 Ingress, networking.k8s.io/v1 NetworkPolicy',
      },
    ]);
  });
});

describe('validateManifests: policy', () => {
  it('rejects the mutable tag "latest"', () => {
    expect(
      findingsAfter((d) => {
        container(d).image = '127.0.0.1:5000/embark/backend:latest';
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].image`,
        rule: 'image-digest',
        message: 'image "127.0.0.1:5000/embark/backend:latest" uses the mutable tag "latest"',
        fix: 'pin the image by digest, "<repository>@sha256:<digest>" as in the release manifest: a tag can move, a digest cannot',
      },
    ]);
  });

  it('rejects an image without a tag (latest) and one with a version tag but no digest', () => {
    expect(
      findingsAfter((d) => {
        container(d).image = '127.0.0.1:5000/embark/backend';
      })[0].message,
    ).toBe('image "127.0.0.1:5000/embark/backend" uses the mutable tag "latest" (no tag means latest)');
    expect(
      findingsAfter((d) => {
        container(d).image = 'ghcr.io/acme/backend:1.5.0';
      })[0].message,
    ).toBe('image "ghcr.io/acme/backend:1.5.0" is not pinned by digest');
  });

  it('rejects a container without a memory limit', () => {
    expect(
      findingsAfter((d) => {
        delete container(d).resources!.limits!.memory;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].resources.limits.memory`,
        rule: 'resources',
        message: 'container "backend" has no memory limit',
        fix: 'set cpu and memory requests and limits (services.backend.resources in slipway.config.ts)',
      },
    ]);
  });

  it('rejects a container without a liveness or a readiness probe', () => {
    expect(
      findingsAfter((d) => {
        delete container(d).livenessProbe;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].livenessProbe`,
        rule: 'probes',
        message: 'container "backend" has no livenessProbe',
        fix: 'add an httpGet livenessProbe (services.backend.health in slipway.config.ts)',
      },
    ]);
    expect(
      findingsAfter((d) => {
        delete container(d).readinessProbe;
      })[0],
    ).toMatchObject({
      path: `${POD}.containers[0].readinessProbe`,
      fix: 'add an httpGet readinessProbe (services.backend.readiness in slipway.config.ts)',
    });
  });

  it('rejects a pod that may run as root', () => {
    expect(
      findingsAfter((d) => {
        delete pod(d).securityContext!.runAsNonRoot;
        delete container(d).securityContext!.runAsNonRoot;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.securityContext.runAsNonRoot`,
        rule: 'run-as-non-root',
        message: 'container "backend" may run as root',
        fix: 'set securityContext.runAsNonRoot: true (and runAsUser: 65532)',
      },
    ]);
    expect(
      findingsAfter((d) => {
        container(d).securityContext!.runAsUser = 0;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].securityContext.runAsUser`,
        rule: 'run-as-non-root',
        message: 'container "backend" runs as root (runAsUser 0)',
        fix: 'set runAsUser to an unprivileged id such as 65532',
      },
    ]);
  });

  it('rejects a hostPath volume', () => {
    expect(
      findingsAfter((d) => {
        pod(d).volumes!.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } });
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.volumes[1].hostPath`,
        rule: 'host-path',
        message: 'volume "docker" mounts /var/run/docker.sock from the node',
        fix: 'use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of a hostPath volume',
      },
    ]);
  });

  it('rejects hostNetwork and hostPID', () => {
    expect(
      findingsAfter((d) => {
        pod(d).hostNetwork = true;
        pod(d).hostPID = true;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.hostNetwork`,
        rule: 'host-namespaces',
        message: "the pod shares the node's Network namespace",
        fix: "remove hostNetwork: a pod must not see or use the node's Network namespace",
      },
      {
        object: BACKEND,
        path: `${POD}.hostPID`,
        rule: 'host-namespaces',
        message: "the pod shares the node's PID namespace",
        fix: "remove hostPID: a pod must not see or use the node's PID namespace",
      },
    ]);
  });

  it('rejects a privileged container', () => {
    expect(
      findingsAfter((d) => {
        container(d).securityContext!.privileged = true;
      }),
    ).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].securityContext.privileged`,
        rule: 'privileged',
        message: 'container "backend" is privileged: it has full access to the node',
        fix: 'remove privileged: true (set it to false)',
      },
    ]);
  });

  it('rejects a secret-looking variable with a literal value, without repeating the value', () => {
    const findings = findingsAfter((d) => {
      container(d).env!.push({ name: 'DB_PASSWORD', value: 'hunter2' });
    });
    expect(findings).toEqual([
      {
        object: BACKEND,
        path: `${POD}.containers[0].env[4].value`,
        rule: 'secret-literal',
        message: '"DB_PASSWORD" has a literal value in the manifest',
        fix: 'move the value into a Secret and reference it with valueFrom.secretKeyRef or envFrom; never put it in env',
      },
    ]);
    expect(JSON.stringify(findings)).not.toContain('hunter2');
    expect(
      findingsAfter((d) => {
        container(d).env!.push({ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'embark-api', key: 'token' } } });
      }),
    ).toEqual([]);
  });

  it('rejects an ingress host that is an address, not a DNS name', () => {
    const objects = structuredClone(renderManifests(embarkConfig(), 'dev', embarkRelease()));
    (objects.at(-1) as unknown as IIngress).spec!.rules![0].host = '127.0.0.1:8080';
    expect(validateManifests(objects)).toEqual([
      {
        object: 'Ingress/embark',
        path: 'spec.rules[0].host',
        rule: 'ingress-host',
        message: 'host "127.0.0.1:8080" is not a DNS name (the API server rejects IP addresses, ports and upper case)',
        fix: 'set environments.<name>.host to a DNS name such as "dev.example.com"',
      },
    ]);
  });
});

describe('findingsFailure', () => {
  it('names the first finding and lists them all with their fixes', () => {
    const failure = findingsFailure(
      findingsAfter((d) => {
        container(d).image = 'embark/backend:latest';
        container(d).securityContext!.privileged = true;
      }),
    );
    expect(failure.specific).toBe(
      `${BACKEND} ${POD}.containers[0].image: image "embark/backend:latest" uses the mutable tag "latest" (and 1 more)`,
    );
    expect(failure.details).toEqual([
      `${BACKEND} ${POD}.containers[0].image: image "embark/backend:latest" uses the mutable tag "latest" [image-digest]; fix: pin the image by digest, "<repository>@sha256:<digest>" as in the release manifest: a tag can move, a digest cannot`,
      `${BACKEND} ${POD}.containers[0].securityContext.privileged: container "backend" is privileged: it has full access to the node [privileged]; fix: remove privileged: true (set it to false)`,
    ]);
  });
});
