import { PatchStrategy } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { startKubeStandin, type KubeStandin } from '../../../test-support/k8s-standin/index.ts';
import type { KubeClient } from './client.ts';
import { deployRelease, type ClusterDeployRequest } from './deploy.ts';
import { deployedImage, embarkObjects, embarkReleaseOf, standinClient } from '../../../test-support/kube-fixtures.ts';
import { revisionHistory } from './history.ts';

let standin: KubeStandin;
let client: KubeClient;
beforeEach(async () => {
  // A 600 s progress deadline becomes 300 ms.
  standin = await startKubeStandin({ tickMs: 10, timeScale: 0.0005 });
  client = standinClient(standin);
});
afterEach(async () => {
  await standin.close();
});

const v140 = embarkReleaseOf('1.4.0', '1');
const v150 = embarkReleaseOf('1.5.0', '2');
const v160 = embarkReleaseOf('1.6.0', '3');
const image = (release: typeof v140, service = 'backend') => release.images[service].reference;

function request(release: typeof v140, overrides: Partial<ClusterDeployRequest> = {}): ClusterDeployRequest {
  return {
    project: 'embark',
    environment: 'dev',
    namespace: 'embark-dev',
    release,
    objects: embarkObjects(release),
    rolloutTimeoutSeconds: 5,
    ...overrides,
  };
}

const summary = async () => (await revisionHistory(client, 'embark-dev')).map((r) => `${r.revision} ${r.release} ${r.status}`);

describe('deployRelease', () => {
  it('deploys a first release as revision 1, recorded in the cluster with its objects', async () => {
    const lines: string[] = [];
    const result = await deployRelease(client, request(v140, { onLog: (line) => lines.push(line) }));
    expect(result.revision).toBe(1);
    expect(result.pruned).toEqual([]);
    expect(result.applied.slice(0, 4)).toEqual([
      'Namespace/embark-dev',
      'ServiceAccount/embark-backend',
      'ServiceAccount/embark-frontend',
      'ConfigMap/embark-release',
    ]);
    expect(result.applied.indexOf('Service/embark-backend')).toBeLessThan(result.applied.indexOf('Deployment/embark-backend'));
    expect(result.applied).toHaveLength(embarkObjects(v140).length);
    expect(deployedImage(standin, 'embark-backend')).toBe(image(v140));
    expect(standin.get('apps/v1', 'Deployment', 'embark-dev', 'embark-backend')!.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'slipway', operation: 'Apply' }),
    ]);

    const [record] = await revisionHistory(client, 'embark-dev');
    expect(record).toMatchObject({
      revision: 1,
      project: 'embark',
      environment: 'dev',
      release: 'v1.4.0',
      version: '1.4.0',
      commit: '1'.repeat(40),
      status: 'deployed',
    });
    expect(record.objects).toEqual(embarkObjects(v140));
    expect(lines).toContain('deployment embark-backend in embark-dev is ready');
    expect(lines.at(-1)).toBe('v1.4.0 is live in dev as revision 1');
  });

  it('updates to the next release and prunes what it no longer has, never the namespace or the history', async () => {
    await deployRelease(client, request(v140));
    const without = embarkObjects(v150).filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'embark-frontend'));
    const result = await deployRelease(client, request(v150, { objects: without }));
    expect(result.revision).toBe(2);
    expect(result.pruned).toEqual(['PodDisruptionBudget/embark-frontend']);
    expect(standin.get('policy/v1', 'PodDisruptionBudget', 'embark-dev', 'embark-frontend')).toBeUndefined();
    expect(standin.get('policy/v1', 'PodDisruptionBudget', 'embark-dev', 'embark-backend')).toBeDefined();
    expect(standin.get('v1', 'Namespace', undefined, 'embark-dev')).toBeDefined();
    expect(deployedImage(standin, 'embark-backend')).toBe(image(v150));
    expect(deployedImage(standin, 'embark-frontend')).toBe(image(v150, 'frontend'));
    expect(await summary()).toEqual(['1 v1.4.0 superseded', '2 v1.5.0 deployed']);
  });

  it("rolls a never-ready release back to the previous revision, with the pods' events in the Failure", async () => {
    await deployRelease(client, request(v140));
    standin.setRolloutBehaviour({ image: image(v150) }, 'never-ready');
    const failure = await failureOf(deployRelease(client, request(v150)));
    expect(failure.specific).toBe(
      'deployment embark-backend in embark-dev never became ready (ProgressDeadlineExceeded); rolled back to revision 1 (v1.4.0)',
    );
    expect(failure.details[0]).toMatch(
      /^pod embark-backend-[0-9a-f]+-[0-9a-f]+: Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 \(×\d+\)$/,
    );
    expect(failure.details.at(-1)).toBe('rolled back: re-applied revision 1 (v1.4.0)');
    expect(failure.logExcerpt.at(-1)).toMatch(/^\[embark-backend-[0-9a-f]+-[0-9a-f]+\] readiness check failed: database not reachable$/);
    expect(failure.hint).toMatch(/^The pods never passed their readiness probe: .* revision 1 \(v1\.4\.0\) is serving again\.$/);

    expect(deployedImage(standin, 'embark-backend')).toBe(image(v140));
    expect(deployedImage(standin, 'embark-frontend')).toBe(image(v140, 'frontend'));
    const backend = standin.get('apps/v1', 'Deployment', 'embark-dev', 'embark-backend') as unknown as {
      status: { readyReplicas?: number; observedGeneration: number };
      metadata: { generation: number; labels: Record<string, string> };
    };
    expect(backend.metadata.labels['slipway.dev/release']).toBe('v1.4.0');
    expect(backend.status.observedGeneration).toBe(backend.metadata.generation);
    expect(backend.status.readyReplicas).toBe(1);
    const records = await revisionHistory(client, 'embark-dev');
    expect(records.map((r) => `${r.revision} ${r.release} ${r.status}`)).toEqual(['1 v1.4.0 deployed', '2 v1.5.0 rolled-back']);
    expect(records[1].reason).toBe('deployment embark-backend in embark-dev never became ready (ProgressDeadlineExceeded)');

    // The next deploy goes on from the revision that serves, numbering after the failed one.
    standin.setRolloutBehaviour({ image: image(v160) }, 'ready');
    expect((await deployRelease(client, request(v160))).revision).toBe(3);
    expect(await summary()).toEqual(['1 v1.4.0 superseded', '2 v1.5.0 rolled-back', '3 v1.6.0 deployed']);
  });

  it("puts a crash-looping release's last log lines in the feedback, and removes what it added on the way back", async () => {
    await deployRelease(client, request(v140));
    standin.setRolloutBehaviour(
      { image: image(v150) },
      { kind: 'crash-loop', logs: ['booting', 'Error: DATABASE_URL is not set', 'process exited with code 1'] },
    );
    const extra = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'embark-flags', namespace: 'embark-dev', labels: embarkObjects(v150)[1].metadata.labels },
      data: { search: 'on' },
    };
    const failure = await failureOf(deployRelease(client, request(v150, { objects: [...embarkObjects(v150), extra] })));
    expect(failure.specific).toBe(
      'deployment embark-backend in embark-dev kept crashing (CrashLoopBackOff); rolled back to revision 1 (v1.4.0)',
    );
    const pod = /^\[(embark-backend-[0-9a-f]+-[0-9a-f]+)\]/.exec(failure.logExcerpt[0])![1];
    expect(failure.logExcerpt).toEqual([
      `[${pod}] booting`,
      `[${pod}] Error: DATABASE_URL is not set`,
      `[${pod}] process exited with code 1`,
    ]);
    expect(failure.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^pod ${pod}: BackOff: Back-off restarting failed container backend in pod ${pod}_embark-dev\\([0-9a-f-]{36}\\)`),
        ),
      ]),
    );
    expect(failure.details.at(-1)).toBe('rolled back: re-applied revision 1 (v1.4.0), removed ConfigMap/embark-flags');
    expect(failure.hint).toContain('The container exits soon after it starts');
    expect(standin.get('v1', 'ConfigMap', 'embark-dev', 'embark-flags')).toBeUndefined();
    expect(deployedImage(standin, 'embark-backend')).toBe(image(v140));
  });

  it('leaves nothing of a failed first deploy behind but the namespace and its failed record', async () => {
    standin.setRolloutBehaviour({ image: image(v150) }, 'image-pull-error');
    const failure = await failureOf(deployRelease(client, request(v150)));
    expect(failure.specific).toBe(
      'deployment embark-backend in embark-dev could not pull its image (ImagePullBackOff); removed what v1.5.0 created (no earlier revision to roll back to)',
    );
    expect(failure.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^pod embark-backend-\\S+: Failed: Failed to pull image "${image(v150).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": rpc error: code = NotFound`,
          ),
        ),
      ]),
    );
    expect(failure.details.at(-1)).toMatch(
      /^removed: Ingress\/embark, .*Deployment\/embark-backend, .*ConfigMap\/embark-release, ServiceAccount\/embark-frontend, ServiceAccount\/embark-backend$/,
    );
    expect(failure.hint).toContain('The cluster cannot pull the image');
    for (const kind of [
      ['apps/v1', 'Deployment'],
      ['v1', 'Service'],
      ['v1', 'Pod'],
      ['v1', 'ServiceAccount'],
      ['networking.k8s.io/v1', 'Ingress'],
    ]) {
      expect(standin.list(kind[0], kind[1], 'embark-dev'), kind[1]).toEqual([]);
    }
    expect(standin.get('v1', 'Namespace', undefined, 'embark-dev')).toBeDefined();
    expect(await summary()).toEqual(['1 v1.5.0 failed']);
  });

  it('stops at a field another manager owns, naming both, and changes nothing', async () => {
    await deployRelease(client, request(v140));
    const handEdit = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'embark-backend', namespace: 'embark-dev' },
      spec: { revisionHistoryLimit: 1 },
    };
    await client.objects.patch(handEdit, undefined, undefined, 'kubectl-edit', true, PatchStrategy.ServerSideApply);
    const writesBefore = standin.requests.filter((r) => r.method === 'PATCH' && !r.path.includes('dryRun=All')).length;

    const failure = await failureOf(deployRelease(client, request(v150)));
    expect(failure.specific).toBe(
      'the cluster rejected Deployment embark-backend in embark-dev: field .spec.revisionHistoryLimit is managed by "kubectl-edit"',
    );
    expect(failure.details).toEqual([
      'Deployment embark-backend in embark-dev: field .spec.revisionHistoryLimit is managed by "kubectl-edit" (fix: undo "kubectl-edit"\'s change to .spec.revisionHistoryLimit, or, if it should stay, put it in slipway.config.ts and hand the field back to Slipway (kubectl apply --server-side --force-conflicts --field-manager=slipway))',
    ]);
    expect(failure.hint).toBe(
      'Fields Slipway manages were changed by "kubectl-edit" (by hand, or another tool); Slipway does not take them over silently. Nothing was changed in the cluster (server-side dry run).',
    );
    expect(standin.requests.filter((r) => r.method === 'PATCH' && !r.path.includes('dryRun=All')).length).toBe(writesBefore);
    expect(deployedImage(standin, 'embark-backend')).toBe(image(v140));
    expect(await summary()).toEqual(['1 v1.4.0 deployed']);
  });

  it('keeps at most historyMax revision records, oldest deleted first', async () => {
    for (const release of [v140, v150, v160]) await deployRelease(client, request(release, { historyMax: 2 }));
    expect(await summary()).toEqual(['2 v1.5.0 superseded', '3 v1.6.0 deployed']);
    expect(standin.get('v1', 'ConfigMap', 'embark-dev', 'embark-revision-1')).toBeUndefined();
  });
});
