import { describe, expect, it } from 'vitest';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { failureFrom } from '../../../test-support/failure-of.ts';
import type { KubeObject } from '../manifests/types.ts';
import { applyOrder } from '../manifests/order.ts';
import { inNamespace, objectKey, pruneList } from './objects.ts';
import { rolloutVerdict } from './rollout-verdict.ts';

const object = (kind: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'embark-dev', labels },
});

describe('planning', () => {
  it('applies the namespace, identities and configuration, services, deployments, then what refers to them; unknown kinds last, in the order given', () => {
    const objects = [
      object('Ingress', 'embark'),
      object('Widget', 'b'),
      object('Deployment', 'web'),
      object('HorizontalPodAutoscaler', 'web'),
      object('Service', 'web'),
      object('Widget', 'a'),
      object('ConfigMap', 'c'),
      object('ServiceAccount', 'web'),
      object('Namespace', 'embark-dev'),
    ];
    expect(applyOrder(objects).map(objectKey)).toEqual([
      'Namespace/embark-dev',
      'ServiceAccount/web',
      'ConfigMap/c',
      'Service/web',
      'Deployment/web',
      'HorizontalPodAutoscaler/web',
      'Ingress/embark',
      'Widget/b',
      'Widget/a',
    ]);
  });

  it('prunes only what the release no longer has, never the namespace, history or secrets', () => {
    const live = [
      object('Namespace', 'embark-dev'),
      object('ConfigMap', 'embark-revision-1', { 'slipway.dev/history': 'revision' }),
      object('Secret', 'embark-postgres'),
      object('ConfigMap', 'old'),
      object('Service', 'web'),
    ];
    expect(pruneList(live, [object('Service', 'web')]).map(objectKey)).toEqual(['ConfigMap/old']);
  });

  it("refuses an object in another namespace than the environment's", () => {
    expect(inNamespace([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }], 'embark-dev')[0].metadata.namespace).toBe(
      'embark-dev',
    );
    const failure = failureFrom(() =>
      inNamespace([{ ...object('ConfigMap', 'c'), metadata: { name: 'c', namespace: 'other' } }], 'embark-dev'),
    );
    expect(failure.specific).toBe("ConfigMap c in other is not in the environment's namespace embark-dev");
  });

  it('judges a rollout only once the controller has seen the latest spec', () => {
    const timedOut = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' };
    const deployment = (observedGeneration: number): V1Deployment => ({
      metadata: { generation: 3 },
      spec: { replicas: 1, selector: {}, template: {} },
      status: { observedGeneration, conditions: [timedOut] },
    });
    expect(rolloutVerdict(deployment(2), [])).toEqual({ state: 'progressing', ready: 0, wanted: 1 });
    expect(rolloutVerdict(deployment(3), [])).toEqual({ state: 'failed', reason: 'ProgressDeadlineExceeded', pods: [] });
    const crashing: V1Pod = {
      metadata: { name: 'web-1' },
      status: {
        containerStatuses: [
          { name: 'web', image: 'x', imageID: '', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    expect(rolloutVerdict(deployment(3), [crashing])).toEqual({ state: 'failed', reason: 'CrashLoopBackOff', pods: ['web-1'] });
    const done: V1Deployment = {
      metadata: { generation: 3 },
      spec: { replicas: 2, selector: {}, template: {} },
      status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    };
    expect(rolloutVerdict(done, [])).toEqual({ state: 'complete' });
    expect(rolloutVerdict({ ...done, status: { ...done.status, replicas: 3 } }, [])).toEqual({ state: 'progressing', ready: 2, wanted: 2 });
  });
});
