import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { startKubeStandin, type KubeStandin } from '../../../test-support/k8s-standin/index.ts';
import type { KubeClient } from './client.ts';
import { ephemeralNamespace, withEphemeralNamespace } from './ephemeral.ts';
import { deployedImage, embarkObjects, embarkReleaseOf, standinClient } from '../../../test-support/kube-fixtures.ts';

let standin: KubeStandin;
let client: KubeClient;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 10, timeScale: 0.0005 });
  client = standinClient(standin);
});
afterEach(async () => {
  await standin.close();
});

const release = embarkReleaseOf('1.5.0', '2');
const namespaces = () => standin.list('v1', 'Namespace').map((ns) => ns.metadata.name);

describe('withEphemeralNamespace', () => {
  it('runs the checks against a ready copy in a fresh namespace, then deletes it', async () => {
    const seen = await withEphemeralNamespace(client, {
      objects: embarkObjects(release),
      namespace: 'embark-dev',
      rolloutTimeoutSeconds: 5,
      run: async (namespace, objects) => {
        expect(namespace).toMatch(/^embark-dev-check-[0-9a-f]{5}$/);
        expect(namespaces()).toEqual([namespace]);
        expect(standin.get('v1', 'Namespace', undefined, namespace)!.metadata.labels).toMatchObject({
          'slipway.dev/ephemeral': 'true',
          'app.kubernetes.io/part-of': 'embark',
        });
        expect(deployedImage(standin, 'embark-backend', namespace)).toBe(release.images.backend.reference);
        const backend = standin.get('apps/v1', 'Deployment', namespace, 'embark-backend') as unknown as {
          status: { readyReplicas: number };
        };
        expect(backend.status.readyReplicas).toBe(1);
        expect(standin.list('networking.k8s.io/v1', 'Ingress')).toEqual([]);
        expect(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === namespace)).toBe(true);
        return namespace;
      },
    });
    expect(namespaces()).toEqual([]);
    expect(standin.list('apps/v1', 'Deployment')).toEqual([]);
    expect(seen).toMatch(/-check-/);
  });

  it('deletes the namespace when the checks fail, and passes their error on', async () => {
    const error = await withEphemeralNamespace(client, {
      objects: embarkObjects(release),
      namespace: 'embark-dev',
      rolloutTimeoutSeconds: 5,
      run: async () => {
        throw new Error('GET /api/health answered 500');
      },
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('GET /api/health answered 500');
    expect(namespaces()).toEqual([]);
  });

  it("deletes the namespace when the copy never becomes ready, with the pods' evidence", async () => {
    standin.setRolloutBehaviour({ deployment: 'embark-frontend' }, 'crash-loop');
    let ran = false;
    const failure = await failureOf(
      withEphemeralNamespace(client, {
        objects: embarkObjects(release),
        namespace: 'embark-dev',
        rolloutTimeoutSeconds: 5,
        run: async () => {
          ran = true;
        },
      }),
    );
    expect(failure.specific).toMatch(/^deployment embark-frontend in embark-dev-check-[0-9a-f]{5} kept crashing \(CrashLoopBackOff\)$/);
    expect(failure.logExcerpt.at(-1)).toMatch(/^\[embark-frontend-\S+\] process exited with code 1$/);
    expect(ran).toBe(false);
    expect(namespaces()).toEqual([]);
  });

  it('keeps the name within 63 characters', () => {
    const name = ephemeralNamespace(`${'a'.repeat(60)}-`);
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a{51}-check-[0-9a-f]{5}$/);
  });
});
