import { checkedAccess, type ClusterAccess } from '../deploy/kubernetes/access/access.ts';
import { parseKubeconfig } from '../deploy/kubernetes/access/kubeconfig.ts';
import { renderManifests } from '../deploy/kubernetes/manifests/render.ts';
import { embarkConfig, embarkRelease } from './manifest-fixtures.ts';
import type { KubeObject } from '../deploy/kubernetes/manifests/types.ts';
import type { KubeStandin } from './k8s-standin/index.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { kubeClient, type KubeClient } from '../deploy/kubernetes/apply/client.ts';

/** The stand-in's kubeconfig as a provider would hand it over, from a file of that name. */
export function standinAccess(
  standin: KubeStandin,
  kubeconfig = standin.kubeconfig,
  provider: ClusterAccess['provider'] = 'kubeconfig',
  source = '/home/ci/.kube/config',
): ClusterAccess {
  const parsed = parseKubeconfig(kubeconfig);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return checkedAccess(parsed.kubeconfig, { provider, source, contextSetting: 'environments.dev.cluster.context' });
}

export function standinClient(standin: KubeStandin): KubeClient {
  return kubeClient(standinAccess(standin));
}

/** An embark release whose images all carry digests made of `seed` (one hex digit). */
export function embarkReleaseOf(version: string, seed: string): ReleaseManifest {
  const base = embarkRelease();
  const digest = `sha256:${seed.repeat(64)}`;
  const images = Object.fromEntries(
    Object.entries(base.images).map(([service, image]) => [
      service,
      { ...image, digest, reference: `127.0.0.1:5000/${image.repository}@${digest}` },
    ]),
  );
  return { ...base, version, tag: `v${version}`, commit: seed.repeat(40), images };
}

export function embarkObjects(release: ReleaseManifest): KubeObject[] {
  return renderManifests(embarkConfig(), 'dev', release);
}

/** The image of a Deployment as stored in the stand-in. */
export function deployedImage(standin: KubeStandin, name: string, namespace = 'embark-dev'): string | undefined {
  const deployment = standin.get('apps/v1', 'Deployment', namespace, name) as
    { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  return deployment?.spec.template.spec.containers[0].image;
}
