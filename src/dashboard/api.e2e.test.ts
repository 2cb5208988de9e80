import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { waitFor } from '../shared/net.ts';
import { secretForms } from '../shared/redactor.ts';
import { checkedGet, DashboardApiContract } from '../test-support/dashboard-api/contract.ts';
import type { ApiEnvironment, ApiRelease, ApiRunDetail, ApiRunPage } from './model.ts';

// A real pipeline (`slipway run` on the embedded example) carries a merge to staging and stops at
// prod's manual gate; then `slipway serve`, bound off loopback with a token, answers the API about
// it. The merge's message carries two secrets the run was not given, so it records them as they
// are (the trigger stage's summary); the API, which knows them, must mask them everywhere.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const webhookSecret = 'whsec-e2e-0123456789abcdef';
const registryPassword = 'registry-password-e2e-42424242';
const token = 'e2e-dashboard-token-0123456789abcdef-0123456789';

describe('the dashboard API of slipway serve, after a real run', () => {
  let home: string;
  let repoDir: string;
  let serve: ChildProcess | undefined;
  let serveOutput = '';
  let base: string;
  const contract = new DashboardApiContract();
  const bodies: string[] = [];
  const auth = { authorization: `Bearer ${token}` };

  async function get(path: string) {
    const response = await checkedGet(contract, base + path, auth);
    bodies.push(response.body);
    expect(response.problems, path).toEqual([]);
    expect(response.status, `${path}: ${response.body}`).toBe(200);
    return { ...response, json: <T>() => JSON.parse(response.body) as T };
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'slipway-dashboard-e2e-'));
    ({ repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos') }));
    await git(repoDir, [
      'commit',
      '--amend',
      '-q',
      '-m',
      `Merge feature/notes-search (deploy key ${webhookSecret}, registry ${registryPassword})`,
    ]);
    const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    serve = spawn(process.execPath, [cli, 'serve', '--home', home, '--dashboard-host', '0.0.0.0'], {
      env: {
        ...process.env,
        NO_COLOR: '1',
        SLIPWAY_WEBHOOK_SECRET: webhookSecret,
        REGISTRY_PASSWORD: registryPassword,
        SLIPWAY_DASHBOARD_TOKEN: token,
      },
    });
    serve.stdout!.on('data', (chunk) => (serveOutput += chunk));
    serve.stderr!.on('data', (chunk) => (serveOutput += chunk));
    const announced = /dashboard API at http:\/\/0\.0\.0\.0:(\d+)\/api\/v1 \(bearer token required\)/;
    expect(await waitFor(async () => announced.test(serveOutput), 30_000), serveOutput).toBe(true);
    base = `http://127.0.0.1:${announced.exec(serveOutput)![1]}`;
    // The whole pipeline runs here, on a machine that may be shared.
  }, 900_000);

  afterAll(async () => {
    serve?.kill('SIGTERM');
    await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
    await rm(home, { recursive: true, force: true });
  });

  it('will not open the API off loopback without a token', async () => {
    const refused = await exec(process.execPath, [cli, 'serve', '--home', home, '--dashboard-host', '0.0.0.0'], {
      env: { ...process.env, SLIPWAY_WEBHOOK_SECRET: webhookSecret, SLIPWAY_DASHBOARD_TOKEN: '' },
      timeoutMs: 60_000,
    });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain('slipway serve will not open the dashboard API on 0.0.0.0 without SLIPWAY_DASHBOARD_TOKEN');
  });

  it('refuses a request without the token', async () => {
    for (const path of ['/api/v1/runs', '/api/v1/openapi.json', '/api/v1/environments']) {
      const refused = await checkedGet(contract, base + path);
      expect(refused.problems).toEqual([]);
      expect(refused.status).toBe(401);
    }
  });

  it('answers about the run, its release and its environments, as its description says', async () => {
    const { runs } = (await get('/api/v1/runs?branch=main&status=succeeded')).json<ApiRunPage>();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({ project: 'embark', release: 'v1.5.0' });
    expect(run.durationMs).toBeGreaterThan(0);

    const detail = (await get(run.links.self)).json<ApiRunDetail>();
    expect(detail.stages.map((stage) => stage.stage)).toEqual(
      expect.arrayContaining(['trigger', 'unit', 'image', 'release', 'deploy', 'smoke', 'promote']),
    );
    for (const stage of detail.stages.filter((each) => each.status === 'succeeded'))
      expect(stage.durationMs, stage.stage).toBeGreaterThanOrEqual(0);
    for (const stage of detail.stages) (await get(stage.links.log)).json();
    const unitLog = (await get(`${run.links.self}/logs/unit`)).json<{ lines: string[] }>();
    expect(unitLog.lines.length).toBeGreaterThan(0);

    // A finished run's stream is the run as it ended, then its end.
    const events = (await get(run.links.events)).body;
    expect([...events.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])).toEqual(['run', 'end']);

    const { releases } = (await get('/api/v1/releases')).json<{ releases: ApiRelease[] }>();
    expect(releases.map((release) => release.tag)).toEqual(['v1.5.0']);
    expect(releases[0].images.map((image) => image.service).sort()).toEqual(['backend', 'frontend']);
    for (const image of releases[0].images) {
      expect(image.reference.endsWith(`@${image.digest}`)).toBe(true);
      const sbom = (await get(image.sbom!)).json<{ bomFormat: string }>();
      expect(sbom.bomFormat).toBe('CycloneDX');
    }
    expect((await get(releases[0].links.self)).json<ApiRelease>().runId).toBe(run.id);

    const { repositories } = (await get('/api/v1/environments')).json<{
      repositories: { repoDir: string; environments: ApiEnvironment[] }[];
    }>();
    expect(repositories.map((repository) => repository.repoDir)).toEqual([repoDir]);
    const environments = repositories[0].environments;
    expect(environments.map((environment) => [environment.name, environment.gate])).toEqual([
      ['nonprod', 'auto'],
      ['staging', 'auto'],
      ['prod', 'manual'],
    ]);
    const staging = environments[1];
    expect(staging.live?.tag).toBe('v1.5.0');
    expect(staging.live?.digests).toEqual(Object.fromEntries(releases[0].images.map((image) => [image.service, image.digest])));
    expect(staging.history.map((entry) => [entry.release, entry.status])).toEqual([['v1.5.0', 'stable']]);
    const prod = environments[2];
    expect(prod.live).toBeNull();
    expect(prod.waiting).toEqual([
      {
        release: 'v1.5.0',
        status: 'awaiting-approval',
        since: expect.any(String),
        approveCommand: `slipway approve prod v1.5.0 --repo ${repoDir} --home ${home}`,
      },
    ]);
    (await get('/api/v1/openapi.json')).json();
  });

  it('explains a package at the run as `slipway why --json` does, while the work tree is at its commit', async () => {
    const { runs } = (await get('/api/v1/runs?release=v1.5.0')).json<ApiRunPage>();
    const whyPath = `${runs[0].links.self}/why/${encodeURIComponent('@embark/shared')}`;
    const answer = (await get(whyPath)).json<{ runId: number; why: { package: string } }>();
    const printed = await exec(process.execPath, [cli, 'why', '@embark/shared', '--json', '--repo', repoDir, '--home', home]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(answer).toEqual({ runId: runs[0].id, why: JSON.parse(printed.stdout) });
    expect(answer.why.package).toBe('@embark/shared');

    const refused = async (path: string, status: number) => {
      const response = await checkedGet(contract, base + path, auth);
      bodies.push(response.body);
      expect(response.problems).toEqual([]);
      expect(response.status, response.body).toBe(status);
      return JSON.parse(response.body) as { message: string };
    };
    expect((await refused(`${runs[0].links.self}/why/no-such-package`, 404)).message).toContain(
      '"no-such-package" is not a package of the workspace',
    );
    await git(repoDir, ['commit', '--allow-empty', '-q', '-m', 'later work']);
    try {
      expect((await refused(whyPath, 409)).message).toContain(`not run #${runs[0].id}'s commit`);
    } finally {
      await git(repoDir, ['reset', '-q', '--hard', 'HEAD~1']);
    }
  });

  // Last: it reads what the tests before it were answered.
  it('never answers with a secret, though the run recorded both', async () => {
    const state =
      (await readFile(join(home, 'state.db'))).toString('latin1') + (await readFile(join(home, 'state.db-wal')).catch(() => '')).toString();
    expect(state).toContain(webhookSecret);
    expect(state).toContain(registryPassword);
    expect(bodies.length).toBeGreaterThan(20);
    const forms = [...secretForms(webhookSecret), ...secretForms(registryPassword)];
    for (const body of bodies) for (const form of forms) expect(body.includes(form), `${form} in ${body.slice(0, 300)}`).toBe(false);
    expect(bodies.some((body) => body.includes('deploy key ***, registry ***'))).toBe(true);
  });
});
