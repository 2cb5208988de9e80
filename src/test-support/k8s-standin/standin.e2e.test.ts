import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderManifests } from '../../deploy/kubernetes/manifests/render.ts';
import { embarkConfig, embarkRelease } from '../manifest-fixtures.ts';
import type { KubeObject } from '../../deploy/kubernetes/manifests/types.ts';
import { startKubeStandin, type KubeStandin } from './index.ts';

let standin: KubeStandin;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
});
afterEach(async () => {
  await standin.close();
});

// Responses are read field by field, as a test reading JSON does; typing every shape would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function request(
  method: string,
  path: string,
  init: { body?: string; contentType?: string; token?: string | null } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? standin.token}`;
  if (init.contentType) headers['content-type'] = init.contentType;
  const response = await fetch(`${standin.url}${path}`, { method, headers, body: init.body });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
}

/** The object's URL, as client-node's KubernetesObjectApi builds it from discovery. */
function objectPath(object: KubeObject): string {
  const plurals: Record<string, string> = { NetworkPolicy: 'networkpolicies', Ingress: 'ingresses' };
  const plural = plurals[object.kind] ?? `${object.kind.toLowerCase()}s`;
  const prefix = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  const namespace = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${prefix}${namespace}/${plural}/${object.metadata.name}`;
}

function apply(object: KubeObject, query = 'fieldManager=slipway'): Promise<{ status: number; body: Json }> {
  return request('PATCH', `${objectPath(object)}?${query}`, { body: JSON.stringify(object), contentType: 'application/apply-patch+yaml' });
}

const manifests = () => renderManifests(embarkConfig(), 'dev', embarkRelease());
const backend = () => manifests().find((o) => o.kind === 'Deployment' && o.metadata.name === 'embark-backend')!;
const namespace = () => manifests()[0];

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function deploymentWhen(predicate: (d: Json) => boolean): Promise<Json> {
  return until(async () => {
    const { body } = await request('GET', '/apis/apps/v1/namespaces/embark-dev/deployments/embark-backend');
    return predicate(body) ? body : undefined;
  });
}

const condition = (d: Json, type: string) => (d.status?.conditions ?? []).find((c: Json) => c.type === type);

describe('the Kubernetes API stand-in', () => {
  it('rejects requests without the bearer token with a 401 Status', async () => {
    for (const token of [null, 'wrong']) {
      const { status, body } = await request('GET', '/api/v1/namespaces', { token });
      expect(status).toBe(401);
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
    expect(standin.kubeconfig).toContain(`server: ${standin.url}`);
    expect(standin.kubeconfig).toContain(`token: ${standin.token}`);
  });

  it('serves discovery for every kind Slipway renders', async () => {
    const groups = (await request('GET', '/apis')).body.groups.map((g: Json) => g.preferredVersion.groupVersion);
    expect(groups).toEqual(expect.arrayContaining(['apps/v1', 'networking.k8s.io/v1', 'autoscaling/v2', 'policy/v1']));
    for (const object of manifests()) {
      const list = (await request('GET', object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`)).body;
      const resource = list.resources.find((r: Json) => r.kind === object.kind && !r.name.includes('/'));
      expect(resource, object.kind).toBeDefined();
      expect(objectPath(object)).toContain(`/${resource.name}/`);
    }
  });

  it('creates with apply, then bumps generation only when the spec changes and resourceVersion only when anything does', async () => {
    expect((await apply(namespace())).status).toBe(201);
    const created = await apply(backend());
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({
      generation: 1,
      managedFields: [{ manager: 'slipway', operation: 'Apply', fieldsType: 'FieldsV1' }],
    });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.spec).toMatchObject({ replicas: 1, progressDeadlineSeconds: 600 });

    const labelled = backend();
    labelled.metadata.labels = { ...labelled.metadata.labels, team: 'core' };
    const relabelled = await apply(labelled);
    expect(relabelled.status).toBe(200);
    expect(relabelled.body.metadata.generation).toBe(1);
    expect(Number(relabelled.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));

    const scaled = structuredClone(labelled) as Json;
    scaled.spec.revisionHistoryLimit = 2;
    const respecced = await apply(scaled as KubeObject);
    expect(respecced.body.metadata.generation).toBe(2);
    expect(respecced.body.metadata.uid).toBe(created.body.metadata.uid);
  });

  it('requires a fieldManager, and rejects other patch types', async () => {
    await apply(namespace());
    const missing = await apply(backend(), '');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('fieldManager: Required value');
    const merge = await request('PATCH', `${objectPath(backend())}?fieldManager=x`, {
      body: '{}',
      contentType: 'application/merge-patch+json',
    });
    expect(merge.status).toBe(415);
  });

  it('accepts a YAML body and stores nothing on a dry run', async () => {
    await apply(namespace());
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: embark-dev\ndata:\n  a: "1"\n';
    const dry = await request('PATCH', '/api/v1/namespaces/embark-dev/configmaps/dry?fieldManager=slipway&dryRun=All', {
      body: yaml,
      contentType: 'application/apply-patch+yaml',
    });
    expect(dry.status).toBe(201);
    expect(dry.body.data).toEqual({ a: '1' });
    expect((await request('GET', '/api/v1/namespaces/embark-dev/configmaps/dry')).status).toBe(404);
    expect(standin.get('v1', 'ConfigMap', 'embark-dev', 'dry')).toBeUndefined();
  });

  it('rejects a schema-invalid object with 422 naming the field, and an object in a missing namespace with 404', async () => {
    const orphan = await apply(backend());
    expect(orphan.status).toBe(404);
    expect(orphan.body.message).toBe('namespaces "embark-dev" not found');
    await apply(namespace());
    const broken = backend() as Json;
    broken.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    delete broken.spec.template.spec.containers[0].name;
    const { status, body } = await apply(broken as KubeObject);
    expect(status).toBe(422);
    expect(body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'embark-backend', kind: 'Deployment' } });
    expect(body.details.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].name' },
        expect.objectContaining({ field: 'spec.template.spec.containers[0].resources.limits.memory' }),
      ]),
    );
    expect(body.message).toMatch(/^Deployment\.apps "embark-backend" is invalid: \[/);
    expect(standin.get('apps/v1', 'Deployment', 'embark-dev', 'embark-backend')).toBeUndefined();
  });

  it('reports a conflict between field managers with 409, and lets force take the field', async () => {
    await apply(namespace());
    await apply(backend());
    const other = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'embark-backend', namespace: 'embark-dev' },
      spec: { revisionHistoryLimit: 1 },
    } as KubeObject;
    const clash = await apply(other, 'fieldManager=kubectl');
    expect(clash.status).toBe(409);
    expect(clash.body.message).toBe('Apply failed with 1 conflict: conflict with "slipway" using apps/v1: .spec.revisionHistoryLimit');
    expect(clash.body.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "slipway" using apps/v1', field: '.spec.revisionHistoryLimit' },
    ]);
    const forced = await apply(other, 'fieldManager=kubectl&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.spec.revisionHistoryLimit).toBe(1);
    expect(forced.body.metadata.managedFields.map((e: Json) => e.manager)).toEqual(['slipway', 'kubectl']);
  });

  it('lists by label selector, and a namespace delete removes everything in it', async () => {
    for (const object of manifests()) expect((await apply(object)).status).toBe(201);
    const release = await request(
      'GET',
      '/apis/apps/v1/namespaces/embark-dev/deployments?labelSelector=app.kubernetes.io/part-of%3Dembark,slipway.dev/release%3Dv1.5.0',
    );
    expect(release.body.kind).toBe('DeploymentList');
    expect(release.body.items.map((d: Json) => d.metadata.name)).toEqual(['embark-backend', 'embark-frontend']);
    const one = await request('GET', '/apis/apps/v1/namespaces/embark-dev/deployments?labelSelector=app.kubernetes.io/name%3Dfrontend');
    expect(one.body.items.map((d: Json) => d.metadata.name)).toEqual(['embark-frontend']);
    const none = await request('GET', '/apis/apps/v1/namespaces/embark-dev/deployments?labelSelector=slipway.dev/release%3Dv1.4.0');
    expect(none.body.items).toEqual([]);

    const deleted = await request('DELETE', '/api/v1/namespaces/embark-dev');
    expect(deleted.body.status.phase).toBe('Terminating');
    expect((await request('GET', '/api/v1/namespaces/embark-dev')).status).toBe(404);
    expect(standin.list('apps/v1', 'Deployment')).toEqual([]);
    expect(standin.list('v1', 'ConfigMap')).toEqual([]);
    expect(standin.list('v1', 'Pod')).toEqual([]);
  });

  it('rolls a ready deployment out to its available replicas, and rolls out again when an older template is re-applied', async () => {
    await apply(namespace());
    await apply(backend());
    const ready = await deploymentWhen((d) => condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable');
    expect(ready.status).toMatchObject({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    expect(condition(ready, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });

    const next = backend() as Json;
    next.spec.template.spec.containers[0].image = '127.0.0.1:5000/embark/backend@sha256:' + 'd'.repeat(64);
    await apply(next as KubeObject);
    await deploymentWhen((d) => d.status.observedGeneration === 2 && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable');
    const rollback = await apply(backend());
    expect(rollback.body.metadata.generation).toBe(3);
    const back = await deploymentWhen(
      (d) =>
        d.status.observedGeneration === 3 && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status.replicas === 1,
    );
    expect(back.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    const pods = (await request('GET', '/api/v1/namespaces/embark-dev/pods?labelSelector=app.kubernetes.io/name%3Dbackend')).body.items;
    expect(pods.map((p: Json) => p.spec.containers[0].image)).toEqual([(backend() as Json).spec.template.spec.containers[0].image]);
  });

  it('reports ProgressDeadlineExceeded for a never-ready deployment', async () => {
    standin.setRolloutBehaviour({ deployment: 'embark-backend' }, 'never-ready');
    await apply(namespace());
    const deployment = backend() as Json;
    deployment.spec.progressDeadlineSeconds = 300; // 300 ms at the test's time scale
    await apply(deployment as KubeObject);
    const stuck = await deploymentWhen((d) => condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded');
    expect(condition(stuck, 'Progressing')).toMatchObject({
      status: 'False',
      message: expect.stringMatching(/^ReplicaSet "embark-backend-[0-9a-f]+" has timed out progressing\.$/),
    });
    expect(condition(stuck, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(stuck.status.readyReplicas).toBeUndefined();
    const events = (await request('GET', '/api/v1/namespaces/embark-dev/events')).body.items;
    expect(events.some((e: Json) => e.reason === 'Unhealthy' && e.message.startsWith('Readiness probe failed'))).toBe(true);
  });

  it('shows a crash-looping rollout: pods in CrashLoopBackOff with restarts, BackOff events and the logs', async () => {
    standin.setRolloutBehaviour(
      { image: /embark\/backend/ },
      { kind: 'crash-loop', logs: ['booting', 'Error: DATABASE_URL is not set', 'exit 1'] },
    );
    await apply(namespace());
    await apply(backend());
    const pod = await until(async () => {
      const items = (await request('GET', '/api/v1/namespaces/embark-dev/pods?labelSelector=app.kubernetes.io/name%3Dbackend')).body
        .items as Json[];
      return items.find((p) => p.status.containerStatuses[0].restartCount >= 2);
    });
    expect(pod.status.containerStatuses[0]).toMatchObject({
      ready: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1 } },
    });
    const events = (await request('GET', `/api/v1/namespaces/embark-dev/events?fieldSelector=involvedObject.name%3D${pod.metadata.name}`))
      .body.items as Json[];
    const backOff = events.find((e) => e.reason === 'BackOff');
    expect(backOff).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } });
    expect(backOff!.message).toBe(
      `Back-off restarting failed container backend in pod ${pod.metadata.name}_embark-dev(${pod.metadata.uid})`,
    );
    const log = await request('GET', `/api/v1/namespaces/embark-dev/pods/${pod.metadata.name}/log?tailLines=2`);
    expect(log.body.text).toBe('Error: DATABASE_URL is not set\nexit 1\n');
  });

  it("streams a deployment's status changes over watch from a resourceVersion", async () => {
    await apply(namespace());
    const created = await apply(backend());
    const controller = new AbortController();
    const response = await fetch(
      `${standin.url}/apis/apps/v1/namespaces/embark-dev/deployments?watch=true&resourceVersion=${created.body.metadata.resourceVersion}&fieldSelector=metadata.name%3Dembark-backend`,
      {
        headers: { authorization: `Bearer ${standin.token}` },
        signal: controller.signal,
      },
    );
    const events: Json[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      events.push(...lines.map((line) => JSON.parse(line)));
      if (events.some((e) => condition(e.object, 'Progressing')?.reason === 'NewReplicaSetAvailable')) break;
    }
    controller.abort();
    expect(events.every((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'embark-backend')).toBe(true);
    expect(events[0].object.status.observedGeneration).toBe(1);
    expect(events.at(-1)!.object.status.availableReplicas).toBe(1);

    const expired = await request('GET', '/apis/apps/v1/namespaces/embark-dev/deployments?watch=true&resourceVersion=-5');
    expect(expired.body).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'Expired', code: 410 } });
  });
});
