import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embarkConfig, embarkRelease } from '../../../test-support/manifest-fixtures.ts';
import { renderManifests } from '../manifests/render.ts';
import { applyAll } from '../apply/apply.ts';
import { kubeClient, type KubeClient } from '../apply/client.ts';
import { standinAccess } from '../../../test-support/kube-fixtures.ts';
import { startKubeStandin, type KubeStandin, type StoredObject } from '../../../test-support/k8s-standin/index.ts';
import { kubeStabilitySignals, type KubeStabilityTarget } from './kube-signals.ts';
import { observeStability, stabilityFailure } from '../../verify/stability/observe.ts';

let standin: KubeStandin;
let client: KubeClient;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 20, timeScale: 0.001 });
  client = kubeClient(standinAccess(standin));
});
afterEach(async () => {
  await standin.close();
});

const target: KubeStabilityTarget = {
  namespace: 'embark-dev',
  project: 'embark',
  services: [
    { name: 'backend', port: 7007, health: '/healthcheck' },
    { name: 'frontend', port: 3000, health: '/healthcheck' },
  ],
};
const thresholds = { windowSeconds: 1, intervalMs: 50, maxErrorRate: 0, maxP95Ms: 500, maxRestarts: 0 };

/** Server-side applies the embark release to `embark-dev`, as the deploy stage does. */
async function deployEmbark(): Promise<void> {
  await applyAll(client, renderManifests(embarkConfig(), 'dev', embarkRelease()), { fieldManager: 'slipway' });
}

const podsOf = (service: string): StoredObject[] =>
  standin.list('v1', 'Pod', 'embark-dev').filter((pod) => pod.metadata.labels?.['app.kubernetes.io/name'] === service);
const restartsOf = (pods: StoredObject[]) =>
  pods.reduce(
    (sum, pod) =>
      sum +
      ((pod.status as { containerStatuses?: { restartCount: number }[] }).containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
    0,
  );
const isReady = (pod: StoredObject) =>
  ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const bothReady = () => podsOf('backend').some(isReady) && podsOf('frontend').some(isReady);

describe('kubeStabilitySignals against the API server stand-in', () => {
  it('finds a healthy release stable, probing each service through the service proxy', async () => {
    const paths: string[] = [];
    standin.serveService('embark-dev', 'embark-backend', (path) => {
      paths.push(path);
      return { status: 200, body: 'ok' };
    });
    standin.serveService('embark-dev', 'embark-frontend', () => ({ status: 204, delayMs: 40 }));
    await deployEmbark();
    await until(bothReady);

    const signals = await kubeStabilitySignals(client, target);
    const started = Date.now();
    const verdict = await observeStability({ ...signals, thresholds });

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(verdict).toMatchObject({ stable: true, reasons: [], evidence: { failures: 0, restarts: 0, errorLogLines: 0 } });
    expect(verdict.evidence.probes.map((p) => [p.probe, p.failures])).toEqual([
      ['backend', 0],
      ['frontend', 0],
    ]);
    expect(verdict.evidence.samples).toBeGreaterThanOrEqual(2 * 5);
    // The frontend's 40 ms show in the latency the probes measured.
    expect(verdict.evidence.p95Ms).toBeGreaterThanOrEqual(40);
    expect(new Set(paths)).toEqual(new Set(['/healthcheck']));
    const proxied = standin.requests.filter(
      (r) => r.path === '/api/v1/namespaces/embark-dev/services/embark-backend%3A7007/proxy/healthcheck',
    );
    expect(proxied.length).toBe(paths.length);
    expect(proxied.every((r) => r.method === 'GET' && r.status === 200)).toBe(true);
  });

  it('finds a service answering 503 half the time unstable, naming it', async () => {
    let calls = 0;
    standin.serveService('embark-dev', 'embark-backend', () => ({ status: ++calls % 2 === 0 ? 503 : 200 }));
    standin.serveService('embark-dev', 'embark-frontend', () => ({ status: 200 }));
    await deployEmbark();
    await until(bothReady);

    const verdict = await observeStability({ ...(await kubeStabilitySignals(client, target)), thresholds });

    const [backend, frontend] = verdict.evidence.probes;
    expect(backend).toEqual({ probe: 'backend', samples: calls, failures: Math.floor(calls / 2), lastError: '503 Service Unavailable' });
    expect(frontend).toMatchObject({ probe: 'frontend', failures: 0 });
    expect(verdict.stable).toBe(false);
    expect(verdict.reasons).toEqual([`error rate ${Math.round(verdict.evidence.errorRate * 1000) / 10} % > 0 %`]);
    expect(stabilityFailure(verdict)!.details).toContain(
      `backend: ${Math.floor(calls / 2)} of ${calls} failed (last: 503 Service Unavailable)`,
    );
  });

  it('counts the restarts of a crash-looping deployment from the start of the window, and its error lines', async () => {
    standin.setRolloutBehaviour({ deployment: 'embark-backend' }, 'crash-loop');
    standin.serveService('embark-dev', 'embark-frontend', () => ({ status: 200 }));
    await deployEmbark();
    await until(() => restartsOf(podsOf('backend')) >= 2 && podsOf('frontend').some(isReady));

    const before = restartsOf(podsOf('backend'));
    const verdict = await observeStability({ ...(await kubeStabilitySignals(client, target)), thresholds });
    const after = restartsOf(podsOf('backend'));

    const { restarts, restartsByPod } = verdict.evidence;
    // Restarts before the window are not this release's window's doing.
    expect(restarts).toBeGreaterThanOrEqual(5);
    expect(restarts).toBeLessThanOrEqual(after - before);
    const [pod] = podsOf('backend');
    expect(restartsByPod).toEqual([{ pod: pod.metadata.name, restarts }]);
    expect(pod.metadata.name).toMatch(/^embark-backend-/);
    // A crash-looping pod is never ready, so the Service has no endpoint to send the probes to.
    expect(verdict.evidence.probes[0]).toMatchObject({
      probe: 'backend',
      failures: verdict.evidence.probes[0].samples,
      lastError: '503 no endpoints available for service "embark-backend"',
    });
    expect(verdict.reasons).toEqual(['error rate 50 % > 0 %', `${restarts} restarts > 0`]);
    expect(verdict.evidence).toMatchObject({
      errorLogLines: 1,
      errorLogExamples: [`${pod.metadata.name}: Error: connect ECONNREFUSED 127.0.0.1:5432`],
    });

    const failure = stabilityFailure(verdict)!;
    expect(failure.details).toEqual(
      expect.arrayContaining([
        `${restarts} restarts in ${pod.metadata.name}`,
        `1 error log line, e.g. '${pod.metadata.name}: Error: connect ECONNREFUSED 127.0.0.1:5432'`,
      ]),
    );
    expect(failure.logExcerpt).toEqual([`${pod.metadata.name}: Error: connect ECONNREFUSED 127.0.0.1:5432`]);
  });

  it('counts every restart of a pod that appears during the window', async () => {
    standin.setRolloutBehaviour({ deployment: 'embark-backend' }, 'crash-loop');
    const signals = await kubeStabilitySignals(client, target);
    // A window far longer than the ~0.4 s three restarts take, so a loaded machine still sees them inside it.
    const observing = observeStability({ ...signals, thresholds: { ...thresholds, windowSeconds: 5 } });
    await deployEmbark();
    await until(() => restartsOf(podsOf('backend')) >= 3);
    const seen = restartsOf(podsOf('backend'));

    const verdict = await observing;
    expect(verdict.evidence.restarts).toBeGreaterThanOrEqual(seen);
    expect(verdict.evidence.restarts).toBeLessThanOrEqual(restartsOf(podsOf('backend')));
  });

  it('counts error lines in the logs of the window, by word', async () => {
    standin.setRolloutBehaviour(
      { deployment: 'embark-frontend' },
      {
        kind: 'ready',
        logs: [
          'starting',
          'ERROR failed to render /about',
          'Unhandled exception in request handler',
          'errors=0 warnings=0',
          'TypeError-free build',
          'fatal: out of memory',
        ],
      },
    );
    standin.serveService('embark-dev', 'embark-backend', () => ({ status: 200 }));
    standin.serveService('embark-dev', 'embark-frontend', () => ({ status: 200 }));
    await deployEmbark();
    await until(bothReady);

    const verdict = await observeStability({
      ...(await kubeStabilitySignals(client, target)),
      thresholds: { ...thresholds, maxErrorLogLines: 0 },
    });

    const [frontend] = podsOf('frontend');
    expect(verdict.evidence.errorLogLines).toBe(3);
    expect(verdict.evidence.errorLogExamples).toEqual([
      `${frontend.metadata.name}: ERROR failed to render /about`,
      `${frontend.metadata.name}: Unhandled exception in request handler`,
      `${frontend.metadata.name}: fatal: out of memory`,
    ]);
    expect(verdict.reasons).toEqual(['3 error log lines > 0']);
    // Only the window's lines are asked for (the stand-in returns every line regardless).
    const logReads = standin.requests.filter((r) => r.path.includes(`/pods/${frontend.metadata.name}/log?`));
    expect(logReads.length).toBe(1);
    expect(new URL(logReads[0].path, standin.url).searchParams.get('sinceSeconds')).toMatch(/^[12]$/);
  });

  it("fails the probes of a service nothing answers for, with the API server's reason", async () => {
    standin.serveService('embark-dev', 'embark-frontend', () => ({ status: 200 }));
    await deployEmbark();
    await until(bothReady);
    const [backendPod] = podsOf('backend');
    const podIP = (backendPod.status as { podIP: string }).podIP;

    const withWorker = { ...target, services: [...target.services, { name: 'worker', port: 8080, health: '/healthz' }] };
    const verdict = await observeStability({
      ...(await kubeStabilitySignals(client, withWorker)),
      thresholds: { ...thresholds, windowSeconds: 0.3 },
    });

    const [backend, frontend, worker] = verdict.evidence.probes;
    expect(backend).toMatchObject({
      failures: backend.samples,
      lastError: `503 error trying to reach service: dial tcp ${podIP}:7007: connect: connection refused`,
    });
    expect(frontend.failures).toBe(0);
    expect(worker).toMatchObject({ failures: worker.samples, lastError: '404 services "embark-worker" not found' });
    expect(verdict.stable).toBe(false);
  });

  it("fails with the API server's words when the credentials are refused, without showing them", async () => {
    const access = standinAccess(standin);
    const refused = kubeClient({ ...access, yaml: access.yaml.replace(standin.token, 'not-the-token') });
    const attempt = kubeStabilitySignals(refused, target);
    await expect(attempt).rejects.toMatchObject({
      specific: 'the cluster refused the credentials of /home/ci/.kube/config (401 Unauthorized)',
      details: ['while trying to list the pods of backend in embark-dev', `API server: ${standin.url}`],
      hint: expect.stringContaining('renew the kubeconfig'),
    });
    await expect(attempt).rejects.not.toHaveProperty('specific', expect.stringContaining('not-the-token'));
  });
});
