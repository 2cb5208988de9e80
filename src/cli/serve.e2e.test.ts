import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { exec } from '../shared/exec.ts';
import { signDelivery } from '../release/forge/webhooks/signature.ts';
import { waitFor } from '../shared/net.ts';

// The two halves in two processes, as in production: `slipway run` carries the merge to a draft
// release; the forge's signed webhook reaches `slipway serve`, which runs integration to publish.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const secret = 'serve-e2e-webhook-secret';
const env = { ...process.env, NO_COLOR: '1', SLIPWAY_WEBHOOK_SECRET: secret };

describe('slipway serve with slipway run', () => {
  let home: string;
  let serve: ChildProcess;
  let serveOutput = '';
  let url: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'slipway-serve-'));
    serve = spawn(process.execPath, [cli, 'serve', '--home', home], { env: { ...env, SLIPWAY_WEBHOOK_MAX_BODY: '262144' } });
    serve.stdout!.on('data', (chunk) => {
      serveOutput += chunk;
    });
    serve.stderr!.on('data', (chunk) => {
      serveOutput += chunk;
    });
    expect(await waitFor(async () => /receiving webhooks at (\S+)/.test(serveOutput), 20_000), serveOutput).toBe(true);
    url = /receiving webhooks at (\S+)/.exec(serveOutput)![1];
  });

  afterAll(async () => {
    serve.kill('SIGTERM');
    await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
    await rm(home, { recursive: true, force: true });
  });

  it('rejects a forged delivery', async () => {
    const body = JSON.stringify({ action: 'created', release: { tag_name: 'v9.9.9' } });
    const headers = {
      ...(await signDelivery('not-the-secret', body)),
      'content-type': 'application/json',
      'x-github-event': 'release',
      'x-github-delivery': 'forged-1',
    };
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(401);
  });

  it('reads bodies up to SLIPWAY_WEBHOOK_MAX_BODY and refuses a larger one with 413', async () => {
    expect(serveOutput).toContain('(bodies up to 262144 bytes)');
    const body = JSON.stringify({ action: 'created', padding: 'x'.repeat(262144) });
    const headers = { ...(await signDelivery(secret, body)), 'x-github-event': 'release', 'x-github-delivery': 'too-large-1' };
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'too-large', message: 'The body exceeds 262144 bytes, the most this receiver reads.' });
  });

  it('will not start with a SLIPWAY_WEBHOOK_MAX_BODY that is not a number of bytes GitHub could send', async () => {
    for (const given of ['1mb', '0', '26214401']) {
      const refused = await exec(process.execPath, [cli, 'serve', '--home', home], {
        env: { ...env, SLIPWAY_WEBHOOK_MAX_BODY: given },
        timeoutMs: 60_000,
      });
      expect(refused.code, refused.output).toBe(1);
      expect(refused.stderr).toContain(`SLIPWAY_WEBHOOK_MAX_BODY is "${given}", not a number of bytes from 1 to 26214400`);
      expect(refused.stderr).toContain('leave it unset for 1048576 bytes; GitHub never sends more than 26214400');
    }
  });

  it('runs the release half of a run when its release webhook arrives', async () => {
    const { repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos') });
    const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home, '--webhook', url], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/release v1\.5\.0 created; its webhook went to slipway serve/);
    expect(run.stderr).not.toMatch(/✔ integration/);
    const id = /slipway show (\d+)/.exec(run.stdout)![1];

    // The forge's delivery started the half; two more distinct deliveries of the same event
    // (another id each, as a second webhook or a replaying attacker with the secret would send)
    // start nothing.
    const duplicates = await Promise.all(['duplicate-1', 'duplicate-2'].map((deliveryId) => redeliver(deliveryId)));
    for (const duplicate of duplicates) {
      expect(duplicate.status).toBe(200);
      expect(duplicate.body.message).toMatch(/^The release half of v1\.5\.0 (is already running|already finished)/);
    }

    const show = async () =>
      JSON.parse((await exec(process.execPath, [cli, 'show', id, '--json', '--home', home])).stdout) as {
        run: { status: string };
        stages: { stage: string; status: string }[];
      };
    expect(await waitFor(async () => ['succeeded', 'failed'].includes((await show()).run.status), 240_000, 1000), serveOutput).toBe(true);
    const final = await show();
    expect(final.run.status, serveOutput).toBe('succeeded');
    expect(final.stages.find((s) => s.stage === 'publish')?.status).toBe('succeeded');
    expect(serveOutput.match(/✔ integration/g), serveOutput).toHaveLength(1);
    expect(final.stages.find((s) => s.stage === 'k8s-tests')?.status).toBe('succeeded');
    expect(serveOutput).not.toContain('ENOENT');
    const late = await redeliver('late-1');
    expect(late).toEqual({
      status: 200,
      body: {
        delivery: 'late-1',
        status: 'already-finished',
        message: expect.stringMatching(new RegExp(`^The release half of v1\\.5\\.0 already finished \\(succeeded\\) in run #${id} at `)),
      },
    });
  });

  /** The release's "created" event as the forge sent it, delivered again under a new id. */
  async function redeliver(deliveryId: string) {
    const [repository] = await readdir(join(home, 'forge'));
    const state = JSON.parse(await readFile(join(home, 'forge', repository, 'github.json'), 'utf8')) as {
      events: { event: string; action: string; body: string }[];
    };
    const { body } = state.events.find((event) => event.event === 'release' && event.action === 'created')!;
    const headers = { 'x-github-event': 'release', 'x-github-delivery': deliveryId, ...(await signDelivery(secret, body)) };
    const response = await fetch(url, { method: 'POST', body, headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { message?: string } };
  }
});
