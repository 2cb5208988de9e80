import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { objectName, type Finding, type KubeObject } from './types.ts';

/** Where each workload kind keeps its pod spec. */
const podSpecPaths: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Names that announce a secret: such a variable's value must come from a Secret. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
const DIGEST_REFERENCE = /@sha256:[a-f0-9]{64}$/;
/** What the API server accepts as an Ingress host: a DNS name, optionally a leading wildcard. */
const INGRESS_HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** The policy findings for one object: what the schema allows but a safe deploy must not. */
export function policyFindings(object: KubeObject): Finding[] {
  const findings: Finding[] = [];
  const report = (path: string, rule: string, message: string, fix: string) => {
    if (!findings.some((f) => f.path === path && f.rule === rule)) findings.push({ object: objectName(object), path, rule, message, fix });
  };
  const specPath = podSpecPaths[object.kind];
  const pod = specPath ? (dig(object, specPath) as IPodSpec | undefined) : undefined;
  if (specPath && pod) checkPod(pod, specPath.join('.'), report);
  if (object.kind === 'Ingress') checkIngress(object as unknown as IIngress, report);
  return findings;
}

type Report = (path: string, rule: string, message: string, fix: string) => void;

function checkPod(pod: IPodSpec, at: string, report: Report): void {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field])
      report(
        `${at}.${field}`,
        'host-namespaces',
        `the pod shares the node's ${field.slice(4)} namespace`,
        `remove ${field}: a pod must not see or use the node's ${field.slice(4)} namespace`,
      );
  }
  (pod.volumes ?? []).forEach((volume, index) => {
    if (volume.hostPath) {
      report(
        `${at}.volumes[${index}].hostPath`,
        'host-path',
        `volume "${volume.name}" mounts ${volume.hostPath.path} from the node`,
        'use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of a hostPath volume',
      );
    }
  });
  const groups = [
    ['containers', pod.containers ?? []],
    ['initContainers', pod.initContainers ?? []],
  ] as const;
  for (const [group, containers] of groups) {
    containers.forEach((container, index) =>
      checkContainer(pod, container, `${at}.${group}[${index}]`, at, group === 'containers', report),
    );
  }
}

function checkContainer(pod: IPodSpec, container: IContainer, at: string, podAt: string, isMain: boolean, report: Report): void {
  checkImage(container, at, report);
  checkResources(container, at, report);
  if (isMain) {
    for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
      if (!container[probe]) {
        const source = probe === 'livenessProbe' ? 'health' : 'readiness';
        report(
          `${at}.${probe}`,
          'probes',
          `container "${container.name}" has no ${probe}`,
          `add an httpGet ${probe} (services.${container.name}.${source} in slipway.config.ts)`,
        );
      }
    }
  }
  const own = container.securityContext;
  const nonRoot = own?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  if (nonRoot !== true) {
    const path = own?.runAsNonRoot === false ? `${at}.securityContext.runAsNonRoot` : `${podAt}.securityContext.runAsNonRoot`;
    report(
      path,
      'run-as-non-root',
      `container "${container.name}" may run as root`,
      'set securityContext.runAsNonRoot: true (and runAsUser: 65532)',
    );
  }
  const user = own?.runAsUser ?? pod.securityContext?.runAsUser;
  if (user === 0) {
    const path = own?.runAsUser === 0 ? `${at}.securityContext.runAsUser` : `${podAt}.securityContext.runAsUser`;
    report(
      path,
      'run-as-non-root',
      `container "${container.name}" runs as root (runAsUser 0)`,
      'set runAsUser to an unprivileged id such as 65532',
    );
  }
  if (own?.privileged) {
    report(
      `${at}.securityContext.privileged`,
      'privileged',
      `container "${container.name}" is privileged: it has full access to the node`,
      'remove privileged: true (set it to false)',
    );
  }
  (container.env ?? []).forEach((variable, index) => {
    if (SECRET_NAME.test(variable.name) && typeof variable.value === 'string' && variable.value !== '') {
      // Never echo the value: the finding itself would leak the secret.
      report(
        `${at}.env[${index}].value`,
        'secret-literal',
        `"${variable.name}" has a literal value in the manifest`,
        `move the value into a Secret and reference it with valueFrom.secretKeyRef or envFrom; never put it in env`,
      );
    }
  });
}

function checkImage(container: IContainer, at: string, report: Report): void {
  const image = container.image ?? '';
  if (DIGEST_REFERENCE.test(image)) return;
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  const message =
    tag === undefined || tag === 'latest'
      ? `image "${image}" uses the mutable tag "latest"${tag === undefined ? ' (no tag means latest)' : ''}`
      : `image "${image}" is not pinned by digest`;
  report(
    `${at}.image`,
    'image-digest',
    message,
    'pin the image by digest, "<repository>@sha256:<digest>" as in the release manifest: a tag can move, a digest cannot',
  );
}

function checkResources(container: IContainer, at: string, report: Report): void {
  for (const bound of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory'] as const) {
      if (container.resources?.[bound]?.[resource] === undefined) {
        report(
          `${at}.resources.${bound}.${resource}`,
          'resources',
          `container "${container.name}" has no ${resource} ${bound === 'limits' ? 'limit' : 'request'}`,
          `set cpu and memory requests and limits (services.${container.name}.resources in slipway.config.ts)`,
        );
      }
    }
  }
}

function checkIngress(ingress: IIngress, report: Report): void {
  (ingress.spec?.rules ?? []).forEach((rule, index) => {
    const host = rule.host;
    if (host !== undefined && (!INGRESS_HOST.test(host) || IPV4.test(host))) {
      report(
        `spec.rules[${index}].host`,
        'ingress-host',
        `host "${host}" is not a DNS name (the API server rejects IP addresses, ports and upper case)`,
        'set environments.<name>.host to a DNS name such as "dev.example.com"',
      );
    }
  });
}

function dig(object: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    object,
  );
}
