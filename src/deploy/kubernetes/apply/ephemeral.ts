import { randomBytes } from 'node:crypto';
import { EPHEMERAL } from '../manifests/labels.ts';
import type { KubeObject } from '../manifests/types.ts';
import { applyAll, deleteAll } from './apply.ts';
import type { KubeClient } from './client.ts';
import { movedTo } from './objects.ts';
import { awaitRollouts } from './rollout.ts';

export interface EphemeralRequest<T> {
  /** The release's objects, as rendered for an environment. */
  objects: KubeObject[];
  /** The environment's namespace: the copy goes to `<namespace>-check-<random>`. */
  namespace: string;
  /** The checks, run once every Deployment in the copy is ready; given the copy's namespace. */
  run: (namespace: string, objects: KubeObject[]) => Promise<T>;
  fieldManager?: string;
  rolloutTimeoutSeconds?: number;
  onLog?: (line: string) => void;
}

/**
 * Runs checks against a throwaway copy of a release: the objects moved into a fresh namespace
 * (without Ingresses, whose host would claim the environment's traffic), applied, rolled out,
 * the callback run, and the namespace always deleted afterwards, whatever happened.
 */
export async function withEphemeralNamespace<T>(client: KubeClient, request: EphemeralRequest<T>): Promise<T> {
  const { fieldManager = 'slipway', rolloutTimeoutSeconds = 300, onLog = () => {} } = request;
  const namespace = ephemeralNamespace(request.namespace);
  const copies = movedTo(
    request.objects.filter((object) => object.kind !== 'Ingress'),
    namespace,
  );
  const namespaceObject = copies.find((object) => object.kind === 'Namespace') ?? {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  };
  namespaceObject.metadata.labels = { ...namespaceObject.metadata.labels, [EPHEMERAL]: 'true' };
  const objects = [namespaceObject, ...copies.filter((object) => object.kind !== 'Namespace')];

  onLog(`checking the release in the ephemeral namespace ${namespace}`);
  let outcome: { value: T } | undefined;
  try {
    await applyAll(client, objects, { fieldManager, onLog });
    await awaitRollouts(client, objects, rolloutTimeoutSeconds, onLog);
    outcome = { value: await request.run(namespace, objects) };
  } finally {
    try {
      await deleteAll(client, [namespaceObject], onLog);
    } catch (error) {
      // A failed check matters more than a failed clean-up: the latter is only logged then.
      if (outcome) throw error;
      onLog(`could not delete the ephemeral namespace ${namespace}: ${(error as Error).message}`);
    }
  }
  return outcome.value;
}

/** `<namespace>-check-<5 hex>`, within the 63 characters a namespace name may have. */
export function ephemeralNamespace(base: string): string {
  const suffix = `-check-${randomBytes(3).toString('hex').slice(0, 5)}`;
  return `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}
