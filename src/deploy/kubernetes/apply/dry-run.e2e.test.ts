import { PatchStrategy } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { startKubeStandin, type KubeStandin } from '../../../test-support/k8s-standin/index.ts';
import type { KubeObject } from '../manifests/types.ts';
import type { KubeClient } from './client.ts';
import { deployRelease } from './deploy.ts';
import { dryRunApply } from './dry-run.ts';
import { embarkObjects, embarkReleaseOf, standinClient } from '../../../test-support/kube-fixtures.ts';

let standin: KubeStandin;
let client: KubeClient;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 10 });
  client = standinClient(standin);
});
afterEach(async () => {
  await standin.close();
});

const release = embarkReleaseOf('1.5.0', '2');
const writes = () => standin.requests.filter((r) => ['PATCH', 'POST', 'DELETE'].includes(r.method) && !r.path.includes('dryRun=All'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function brokenObjects(): KubeObject[] {
  return embarkObjects(release).map((object) => {
    if (object.kind !== 'Deployment' || object.metadata.name !== 'embark-backend') return object;
    const broken = structuredClone(object) as Json;
    delete broken.spec.template.spec.containers[0].name;
    return broken as KubeObject;
  });
}

async function createNamespace(): Promise<void> {
  await client.objects.patch(embarkObjects(release)[0], undefined, undefined, 'slipway', false, PatchStrategy.ServerSideApply);
}

describe('dryRunApply', () => {
  it('checks every object with the server and writes nothing', async () => {
    await createNamespace();
    const before = writes().length;
    const result = await dryRunApply(client, embarkObjects(release));
    expect(result.unchecked).toEqual([]);
    expect(result.checked).toHaveLength(embarkObjects(release).length);
    expect(writes()).toHaveLength(before);
    expect(standin.list('apps/v1', 'Deployment')).toEqual([]);
  });

  it('reports what waits for a namespace the objects create, rather than rejecting it', async () => {
    const result = await dryRunApply(client, embarkObjects(release));
    expect(result.checked).toEqual(['Namespace/embark-dev']);
    expect(result.unchecked).toHaveLength(embarkObjects(release).length - 1);
    expect(standin.list('v1', 'Namespace')).toEqual([]);
  });

  it('rejects an invalid object naming the field and the fix', async () => {
    await createNamespace();
    const failure = await failureOf(dryRunApply(client, brokenObjects()));
    expect(failure.specific).toBe(
      'the cluster rejected Deployment embark-backend in embark-dev: spec.template.spec.containers[0].name: Required value',
    );
    expect(failure.details).toEqual([
      'Deployment embark-backend in embark-dev: spec.template.spec.containers[0].name: Required value (fix: set spec.template.spec.containers[0].name)',
    ]);
    expect(failure.hint).toBe(
      'The objects are rendered from slipway.config.ts and the release: fix the named fields there and run again. Nothing was changed in the cluster (server-side dry run).',
    );
  });

  it('collects every rejection into one Failure', async () => {
    await createNamespace();
    const objects = brokenObjects().map((object) => {
      if (object.kind !== 'Service' || object.metadata.name !== 'embark-frontend') return object;
      return {
        ...object,
        metadata: { ...object.metadata, labels: { ...object.metadata.labels, 'slipway.dev/owner': 'not a label value!' } },
      };
    });
    const failure = await failureOf(dryRunApply(client, objects));
    expect(failure.specific).toBe('the cluster rejected 2 objects (2 problems)');
    expect(failure.details).toEqual([
      expect.stringMatching(
        /^Service embark-frontend in embark-dev: metadata\.labels: Invalid value: "not a label value!": .* \(fix: correct metadata\.labels\)$/,
      ),
      'Deployment embark-backend in embark-dev: spec.template.spec.containers[0].name: Required value (fix: set spec.template.spec.containers[0].name)',
    ]);
  });

  it('stops a deploy before anything is written', async () => {
    await createNamespace();
    const before = writes().length;
    const failure = await failureOf(
      deployRelease(client, {
        project: 'embark',
        environment: 'dev',
        namespace: 'embark-dev',
        release,
        objects: brokenObjects(),
        rolloutTimeoutSeconds: 5,
      }),
    );
    expect(failure.specific).toBe(
      'the cluster rejected Deployment embark-backend in embark-dev: spec.template.spec.containers[0].name: Required value',
    );
    expect(writes()).toHaveLength(before);
    expect(standin.list('v1', 'ConfigMap', 'embark-dev')).toEqual([]);
  });
});
