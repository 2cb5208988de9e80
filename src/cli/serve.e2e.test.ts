import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
    serve = spawn(process.execPath, [cli, 'serve', '--home', home], { env });
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
      ...signDelivery('not-the-secret', body, Date.now()),
      'content-type': 'application/json',
      'x-github-event': 'release',
      'x-github-delivery': 'forged-1',
    };
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(401);
  });

  it('runs the release half of a run when its release webhook arrives', async () => {
    const { repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos') });
    const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home, '--webhook', url], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/release v1\.5\.0 created; its webhook went to slipway serve/);
    expect(run.stderr).not.toMatch(/✔ integration/);
    const id = /slipway show (\d+)/.exec(run.stdout)![1];
    const show = async () =>
      JSON.parse((await exec(process.execPath, [cli, 'show', id, '--json', '--home', home])).stdout) as {
        run: { status: string };
        stages: { stage: string; status: string }[];
      };
    expect(await waitFor(async () => ['succeeded', 'failed'].includes((await show()).run.status), 240_000, 1000), serveOutput).toBe(true);
    const final = await show();
    expect(final.run.status, serveOutput).toBe('succeeded');
    expect(final.stages.find((s) => s.stage === 'publish')?.status).toBe('succeeded');
    expect(serveOutput).toMatch(/✔ integration/);
  });
});
