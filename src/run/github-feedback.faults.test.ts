import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGitHub, type LocalGitHub } from '../release/forge/local/server.ts';
import { exec } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';
import { startFaultProxy, type FaultProxyOptions } from '../test-support/fault-proxy.ts';

// GitHub failing while a run reports to it: the run's outcome and exit code are its own, and the
// developer gets one warning naming GitHub, what was being done and what GitHub answered.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const repository = 'acme/ci-fixture';

describe('a GitHub that fails while the run reports to it', () => {
  let work: string;
  let server: LocalGitHub;
  let runs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-github-outage-'));
    server = await startLocalGitHub({ dir: join(work, 'github'), repository, hooks: [] });
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  async function ciThrough(faults: FaultProxyOptions) {
    const proxy = await startFaultProxy(server.url, faults);
    try {
      const repo = join(work, `repo-${++runs}`);
      await createCiWorkspace(repo, { forge: { kind: 'github', repository, baseUrl: proxy.url } });
      return await exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', join(work, `home-${runs}`)], {
        env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', GITHUB_TOKEN: server.token },
      });
    } finally {
      await proxy.stop();
    }
  }

  it('goes on when GitHub is down: the run passes, with one warning, and GitHub is not asked again', async () => {
    const run = await ciThrough({ faults: 1000, mode: '500' });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Run #\d+: built and tested/);
    const warnings = run.output.split('\n').filter((line) => line.includes('GitHub feedback:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /GitHub feedback: Could not create the check run slipway ci in acme\/ci-fixture: GitHub answered 500; the rest of this run's feedback to GitHub is not sent/,
    );
    expect(run.output).not.toContain(server.token);
  });

  it('names the missing permission when GitHub refuses the check run, and still sets the commit status', async () => {
    const run = await ciThrough({
      faults: 1000,
      match: (method, url) => url.includes('/check-runs'),
      mode: { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' } },
    });
    expect(run.code, run.output).toBe(0);
    const warnings = run.output.split('\n').filter((line) => line.includes('GitHub feedback:'));
    expect(warnings).toEqual([
      expect.stringContaining('Could not create the check run slipway ci in acme/ci-fixture: GitHub answered 403'),
    ]);
    const state = JSON.parse(await readFile(join(work, 'github', 'github.json'), 'utf8')) as {
      statuses: { state: string; context: string }[];
    };
    expect(state.statuses.filter((status) => status.context === 'slipway ci').map((status) => status.state)).toEqual([
      'pending',
      'success',
    ]);
  });
});
