import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionStore, promotionStorePath, releaseIdentity } from '../deploy/promotion/index.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { homeAt, type Home } from '../shared/home.ts';
import { Redactor, secretForms } from '../shared/redactor.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { checkedGet, DashboardApiContract } from '../test-support/dashboard-api/contract.ts';
import { embarkConfig, embarkRelease } from '../test-support/manifest-fixtures.ts';
import { startDashboardApi, type DashboardApi } from './server.ts';

// The API over real stores in a temporary home, filled through the stores' own methods as runs
// fill them, with two secrets recorded as they are (a run that did not know them): every answer
// is held against the OpenAPI description and searched for the secrets.
const webhookSecret = 'whsec-0123456789-dashboard';
const registryPassword = 'registry-pass-9876543210';
const token = 't'.repeat(20) + '0123456789abcdef0123';

describe('the dashboard API', () => {
  let dir: string;
  let home: Home;
  let repoDir: string;
  let store: RunStore;
  let api: DashboardApi;
  let guarded: DashboardApi;
  const contract = new DashboardApiContract();
  const bodies: string[] = [];
  let ids: { released: number; failed: number; running: number };

  /** A GET checked against the description; its body is kept for the secret scan. */
  async function get(path: string, headers: Record<string, string> = {}, base = api.url) {
    const response = await checkedGet(contract, base.replace(/\/api\/v1$/, '') + path, headers);
    bodies.push(response.body);
    expect(response.problems, path).toEqual([]);
    return { ...response, json: <T = Record<string, unknown>>() => JSON.parse(response.body) as T };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-dashboard-'));
    home = homeAt(join(dir, 'home'));
    repoDir = join(dir, 'embark');
    await mkdir(repoDir, { recursive: true });
    const { project, services, environments } = embarkConfig();
    await writeFile(join(repoDir, 'slipway.config.json'), JSON.stringify({ project, services, environments }));
    await mkdir(home.root, { recursive: true });
    store = new RunStore(home.stateDb);
    const base = { project: 'embark', repoDir, commit: 'c'.repeat(40) };

    const released = store.createRun({ ...base, branch: 'main', trigger: 'push to main' });
    store.setStage(released.id, 'trigger', 'running');
    store.setStage(released.id, 'trigger', 'succeeded', { summary: `main @ cccccccccc "deploy with ${webhookSecret}"` });
    const manifest = { ...embarkRelease(), images: { ...embarkRelease().images } };
    manifest.images.backend = { ...manifest.images.backend, sbom: 'sbom-backend.cdx.json' };
    await mkdir(home.runDir(released.id), { recursive: true });
    await writeFile(
      join(home.runDir(released.id), 'sbom-backend.cdx.json'),
      JSON.stringify({ bomFormat: 'CycloneDX', note: registryPassword }),
    );
    store.setStage(released.id, 'release', 'succeeded', {
      summary: 'draft release v1.5.0',
      outputs: { manifest, manifestPath: 'release.json' },
    });
    store.setRunStatus(released.id, 'waiting');

    const failed = store.createRun({ ...base, branch: 'feature/search', trigger: 'pull request' });
    const artifacts = join(home.runDir(failed.id), 'artifacts');
    await mkdir(join(home.runDir(failed.id), 'logs'), { recursive: true });
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'shot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await writeFile(join(artifacts, 'output.txt'), `login with ${registryPassword}\n`);
    const log = Array.from({ length: 300 }, (_, index) => `line ${index + 1}`).concat(
      `auth ${Buffer.from(webhookSecret).toString('base64')}`,
    );
    await writeFile(join(home.runDir(failed.id), 'logs', 'unit.log'), log.join('\n') + '\n');
    store.setStage(failed.id, 'unit', 'running');
    const feedback: Feedback = {
      runId: failed.id,
      stage: 'unit',
      kind: 'failure',
      message: 'Unit tests failed',
      specific: '1 test failed in @embark/shared',
      details: [`REGISTRY_PASSWORD=${registryPassword}`],
      logExcerpt: ['AssertionError: expected 2 to be 3'],
      hint: 'run npm test in packages/shared',
      artifacts: [join(artifacts, 'shot.png'), join(artifacts, 'output.txt'), '/etc/hostname'],
      locations: [{ file: 'packages/shared/src/sum.test.ts', line: 4, title: 'sum adds', message: 'expected 2 to be 3' }],
      at: new Date().toISOString(),
      exitCode: 1,
    };
    store.addFeedback(failed.id, 'unit', feedback);
    store.setStage(failed.id, 'unit', 'failed', { summary: feedback.specific });
    store.setRunStatus(failed.id, 'failed');

    const running = store.createRun({ ...base, branch: 'main', trigger: 'push to main' });
    ids = { released: released.id, failed: failed.id, running: running.id };

    const promotions = new PromotionStore(promotionStorePath(home, 'embark', repoDir));
    promotions.recordRelease(releaseIdentity(manifest));
    promotions.markAwaitingApproval('prod', manifest.tag);
    promotions.close();

    const redactor = new Redactor();
    redactor.add(webhookSecret, registryPassword);
    api = await startDashboardApi({ home, store, redactor, host: '127.0.0.1' });
    guarded = await startDashboardApi({ home, store, redactor, host: '127.0.0.1', token });
  });

  afterAll(async () => {
    await api?.close();
    await guarded?.close();
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is described by an OpenAPI 3.1 document whose schemas compile and whose paths agree, which it serves', async () => {
    expect(contract.problemsOfDescription()).toEqual([]);
    expect((await get('/api/v1/openapi.json')).json().openapi).toBe('3.1.0');
  });

  it('lists runs newest first, filtered and paged', async () => {
    const all = (await get('/api/v1/runs')).json<{ runs: { id: number; status: string; release: string | null }[]; next: null }>();
    expect(all.runs.map((run) => [run.id, run.status, run.release])).toEqual([
      [ids.running, 'running', null],
      [ids.failed, 'failed', null],
      [ids.released, 'waiting', 'v1.5.0'],
    ]);
    expect(all.next).toBeNull();
    const idsOf = async (query: string) => (await get(`/api/v1/runs?${query}`)).json<typeof all>().runs.map((run) => run.id);
    expect(await idsOf('branch=feature%2Fsearch')).toEqual([ids.failed]);
    expect(await idsOf('status=failed')).toEqual([ids.failed]);
    expect(await idsOf('release=v1.5.0')).toEqual([ids.released]);
    const page = (await get('/api/v1/runs?branch=main&limit=1')).json<{ runs: { id: number }[]; next: string }>();
    expect(page.runs.map((run) => run.id)).toEqual([ids.running]);
    expect((await get(page.next)).json()).toMatchObject({ runs: [{ id: ids.released }], next: null });
    const refused = await get('/api/v1/runs?status=done');
    expect(refused.status).toBe(400);
    expect(refused.json().message).toContain('query parameter status is "done"');
  });

  it("shows one run's stages, feedback with file:line, artifacts, and the end of a stage's log", async () => {
    const detail = (await get(`/api/v1/runs/${ids.failed}`)).json<{
      stages: { stage: string; status: string; durationMs: number | null }[];
      feedback: { message: string; locations: { file: string; line: number }[]; artifacts: { url: string }[] }[];
      artifacts: { name: string; url: string }[];
    }>();
    expect(detail.stages).toMatchObject([{ stage: 'unit', status: 'failed' }]);
    expect(detail.stages[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(detail.feedback[0]).toMatchObject({
      message: 'Unit tests failed',
      locations: [{ file: 'packages/shared/src/sum.test.ts', line: 4 }],
    });
    // The file outside the run's directory is not offered.
    expect(detail.artifacts.map((artifact) => artifact.name)).toEqual(['artifacts/shot.png', 'artifacts/output.txt']);
    const png = await get(detail.artifacts[0].url);
    expect([png.status, png.contentType]).toEqual([200, 'image/png']);
    const text = await get(detail.artifacts[1].url);
    expect(text.body).toBe('login with ***\n');
    expect((await get(`/api/v1/runs/${ids.failed}/artifacts/2`)).status).toBe(404);

    const log = (await get(`/api/v1/runs/${ids.failed}/logs/unit?tail=3`)).json();
    // The secret's base64 form is masked; the padding after it is not part of it.
    expect(log).toEqual({
      runId: ids.failed,
      stage: 'unit',
      lines: ['line 299', 'line 300', expect.stringMatching(/^auth \*\*\*/)],
      truncated: true,
    });
    expect((await get(`/api/v1/runs/${ids.failed}/logs/deploy`)).status).toBe(404);
    expect((await get(`/api/v1/runs/${ids.failed}/logs/unit?tail=0`)).status).toBe(400);
    const why = await get(`/api/v1/runs/${ids.failed}/why/${encodeURIComponent('@embark/shared')}`);
    expect([why.status, why.json().message]).toEqual([
      409,
      `${repoDir} is at no commit, not run #${ids.failed}'s commit ${'c'.repeat(40)}: \`slipway why\` explains the work tree as it is`,
    ]);
    expect((await get('/api/v1/runs/999')).status).toBe(404);
    expect((await get('/api/v1/runs/abc')).status).toBe(400);
  });

  it('shows releases with their images by digest and SBOM', async () => {
    const { releases } = (await get('/api/v1/releases')).json<{
      releases: { tag: string; images: { digest: string; sbom: string | null }[] }[];
    }>();
    expect(releases.map((release) => release.tag)).toEqual(['v1.5.0']);
    expect(releases[0].images.map((image) => image.digest)).toEqual(Object.values(embarkRelease().images).map((image) => image.digest));
    const sbom = await get(releases[0].images[0].sbom!);
    expect(JSON.parse(sbom.body)).toEqual({ bomFormat: 'CycloneDX', note: '***' });
    expect(releases[0].images[1].sbom).toBeNull();
    expect((await get('/api/v1/releases/v1.5.0')).json().tag).toBe('v1.5.0');
    expect((await get('/api/v1/releases/v9.9.9')).status).toBe(404);
    expect((await get('/api/v1/releases/v1.5.0/sbom/frontend')).status).toBe(404);
  });

  it('shows each environment in promotion order with what waits at its gate and the exact approve command', async () => {
    const { repositories } = (await get('/api/v1/environments')).json<{
      repositories: { project: string; environments: { name: string; gate: string; live: null; waiting: unknown[] }[] }[];
    }>();
    expect(repositories).toHaveLength(1);
    expect(repositories[0].environments.map((environment) => [environment.name, environment.gate, environment.live])).toEqual([
      ['dev', 'auto', null],
      ['prod', 'manual', null],
    ]);
    expect(repositories[0].environments[1].waiting).toEqual([
      {
        release: 'v1.5.0',
        status: 'awaiting-approval',
        since: expect.any(String),
        approveCommand: `slipway approve prod v1.5.0 --repo ${repoDir} --home ${home.root}`,
      },
    ]);
  });

  it("streams a running run's stage changes as they are stored, and ends when it finishes", async () => {
    const response = await fetch(`${api.url}/runs/${ids.running}/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events: { event: string; data: unknown }[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk, { stream: true });
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const [, event, data] = /^event: (\w+)\ndata: (.*)$/s.exec(text.slice(0, end))!;
          events.push({ event, data: JSON.parse(data) });
          bodies.push(data);
          text = text.slice(end + 2);
        }
      }
    })();
    const seen = async (count: number) => {
      while (events.length < count) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await seen(1);
    store.setStage(ids.running, 'deps', 'running');
    await seen(2);
    store.setStage(ids.running, 'deps', 'succeeded', { summary: `installed with ${registryPassword}` });
    await seen(3);
    store.setRunStatus(ids.running, 'succeeded');
    await reading;
    expect(events.map((event) => event.event)).toEqual(['run', 'stage', 'stage', 'run', 'end']);
    expect(
      events.map(
        (event) =>
          (event.data as { status?: string; run?: { status: string } }).status ?? (event.data as { run: { status: string } }).run.status,
      ),
    ).toEqual(['running', 'running', 'succeeded', 'succeeded', 'succeeded']);
    const schemas: Record<string, string> = { run: 'RunDetail', stage: 'Stage', end: 'Run' };
    for (const { event, data } of events) expect(contract.checkSchema(schemas[event], data)).toEqual([]);
    expect((events[2].data as { summary: string }).summary).toBe('installed with ***');
  });

  it('asks for the token when one is set, and answers only loopback names without one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${token}` }] as Record<string, string>[]) {
      const refused = await get('/api/v1/runs', headers, guarded.url);
      expect(refused.status).toBe(401);
      expect(refused.json().error).toBe('unauthorized');
    }
    expect((await get('/api/v1/runs', { authorization: `Bearer ${token}` }, guarded.url)).status).toBe(200);
    // A page that rebound its own name to 127.0.0.1 sends that name as the Host.
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      import('node:http').then(({ get: httpGet }) =>
        httpGet(`${api.url}/runs`, { headers: { host: 'attacker.example:80' } }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        }).on('error', reject),
      );
    });
    expect(rebound.status).toBe(400);
    expect(JSON.parse(rebound.body).message).toContain('"attacker.example:80" is not a loopback name');
    expect((await fetch(`${api.url}/runs`, { method: 'POST' })).status).toBe(405);
  });

  // Last: it reads what every test before it was answered.
  it('never answers with a secret, though the state holds them', async () => {
    const state = await readFile(home.stateDb + '-wal').catch(() => Buffer.alloc(0));
    const stored = Buffer.concat([await readFile(home.stateDb), state]).toString('latin1');
    expect(stored.includes(webhookSecret) || stored.includes(registryPassword)).toBe(true);
    expect(bodies.length).toBeGreaterThan(20);
    const forms = [...secretForms(webhookSecret), ...secretForms(registryPassword)];
    for (const body of bodies) for (const form of forms) expect(body.includes(form), `${form} in ${body.slice(0, 200)}`).toBe(false);
  });
});
