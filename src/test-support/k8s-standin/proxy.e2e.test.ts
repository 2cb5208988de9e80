import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embarkConfig, embarkRelease } from '../manifest-fixtures.ts';
import { renderManifests } from '../../deploy/kubernetes/manifests/render.ts';
import type { KubeObject } from '../../deploy/kubernetes/manifests/types.ts';
import { startKubeStandin, type KubeStandin } from './index.ts';

let standin: KubeStandin;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
});
afterEach(async () => {
  await standin.close();
});

const manifests = () => renderManifests(embarkConfig(), 'dev', embarkRelease());
const PROXY = '/api/v1/namespaces/embark-dev/services';

async function apply(object: KubeObject): Promise<void> {
  const plural = object.kind === 'Namespace' ? 'namespaces' : `${object.kind.toLowerCase()}s`;
  const prefix = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  const namespace = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  const response = await fetch(`${standin.url}${prefix}${namespace}/${plural}/${object.metadata.name}?fieldManager=test`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${standin.token}`, 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(object),
  });
  if (!response.ok) throw new Error(`apply ${object.kind}: ${response.status} ${await response.text()}`);
}

/** The namespace and the backend's Service, and with `withPods` its Deployment, once a pod is ready. */
async function deployBackend(withPods: boolean): Promise<void> {
  const wanted = (o: KubeObject) =>
    o.kind === 'Namespace' || (o.metadata.name === 'embark-backend' && (o.kind === 'Service' || (withPods && o.kind === 'Deployment')));
  for (const object of manifests().filter(wanted)) await apply(object);
  if (!withPods) return;
  const deadline = Date.now() + 5000;
  while (!standin.list('v1', 'Pod', 'embark-dev').some((pod) => JSON.stringify(pod.status).includes('"type":"Ready","status":"True"'))) {
    if (Date.now() > deadline) throw new Error('no ready backend pod');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function get(path: string, method = 'GET'): Promise<{ status: number; text: string }> {
  const response = await fetch(`${standin.url}${path}`, { method, headers: { authorization: `Bearer ${standin.token}` } });
  return { status: response.status, text: await response.text() };
}

describe('the service proxy subresource', () => {
  it('forwards a GET to the handler the test registered, path and query included', async () => {
    const asked: string[] = [];
    standin.serveService('embark-dev', 'embark-backend', (path) => {
      asked.push(path);
      return path.startsWith('/healthcheck') ? { status: 200, body: 'healthy' } : { status: 404, body: 'no route' };
    });
    await deployBackend(true);

    expect(await get(`${PROXY}/embark-backend:7007/proxy/healthcheck?full=1`)).toEqual({ status: 200, text: 'healthy' });
    expect(await get(`${PROXY}/embark-backend:http/proxy/healthcheck`)).toEqual({ status: 200, text: 'healthy' });
    expect(await get(`${PROXY}/embark-backend/proxy/`)).toEqual({ status: 404, text: 'no route' });
    expect(await get(`${PROXY}/embark-backend/proxy`)).toEqual({ status: 404, text: 'no route' });
    expect(asked).toEqual(['/healthcheck?full=1', '/healthcheck', '/', '/']);
  });

  it('takes as long as the handler says', async () => {
    standin.serveService('embark-dev', 'embark-backend', () => ({ status: 503, delayMs: 150 }));
    await deployBackend(true);
    const started = performance.now();
    expect((await get(`${PROXY}/embark-backend:7007/proxy/healthcheck`)).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers 503 ServiceUnavailable, as the API server does, when nothing can answer', async () => {
    await deployBackend(false);
    const status = (code: number, reason: string, message: string) => ({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    });
    const noEndpoints = await get(`${PROXY}/embark-backend:7007/proxy/healthcheck`);
    expect(noEndpoints.status).toBe(503);
    expect(JSON.parse(noEndpoints.text)).toEqual(status(503, 'ServiceUnavailable', 'no endpoints available for service "embark-backend"'));

    await deployBackend(true);
    const podIP = (standin.list('v1', 'Pod', 'embark-dev')[0].status as { podIP: string }).podIP;
    const refused = await get(`${PROXY}/embark-backend:7007/proxy/healthcheck`);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toEqual(
      status(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${podIP}:7007: connect: connection refused`),
    );

    expect(JSON.parse((await get(`${PROXY}/embark-backend:9999/proxy/`)).text)).toEqual(
      status(503, 'ServiceUnavailable', 'no service port "9999" found for service "embark-backend"'),
    );
    const unknown = await get(`${PROXY}/embark-nope:80/proxy/`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ reason: 'NotFound', message: 'services "embark-nope" not found' });
    expect((await get(`${PROXY}/embark-backend:7007/proxy/healthcheck`, 'POST')).status).toBe(405);
  });
});
