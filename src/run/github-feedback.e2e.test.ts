import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitHubClient } from '../release/forge/github/client.ts';
import { startLocalGitHub, type LocalGitHub } from '../release/forge/local/server.ts';
import { exec, type ExecResult } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';
import { startContractProxy } from '../test-support/github/contract-proxy.ts';
import { GitHubContract } from '../test-support/github/contract.ts';
import { startSlackReceiver, type SlackReceiver } from '../test-support/slack-receiver.ts';

// A pull request's `slipway ci` on GitHub, failing a unit test, pushed twice: the check run on the
// pull request's head with an annotation at the test's file and line, the commit status, ONE
// comment on the pull request updated in place, and a Slack message with the same cause. The
// forge is the embedded GitHub API behind a proxy checking every request against GitHub's description.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const repository = 'acme/core-lib';

/** The failing assertion is on line 4 of the test file. */
const failing = (expected: number) =>
  [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { double } from './index.js';",
    `test('doubles', () => assert.equal(double(2), ${expected}));`,
    '',
  ].join('\n');

describe('a pull request checked on GitHub', () => {
  let work: string;
  let repo: string;
  let server: LocalGitHub;
  let proxy: Awaited<ReturnType<typeof startContractProxy>>;
  let slack: SlackReceiver;
  const runs: ExecResult[] = [];
  const heads: string[] = [];

  /** A push to the pull request: the test expecting `expected` (4 passes), or no change at all (a rebase, an empty commit). */
  async function push(expected?: number): Promise<void> {
    if (expected !== undefined) await writeFile(join(repo, 'packages/core/src/index.test.js'), failing(expected));
    await git(repo, ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', 'commit', '-qam', `expect ${expected}`, '--allow-empty']);
    const head = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    heads.push(head);
    const event = join(work, `event-${heads.length}.json`);
    await writeFile(event, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: head } } }));
    runs.push(
      await exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', join(work, 'home')], {
        env: {
          ...process.env,
          NO_COLOR: '1',
          GITHUB_ACTIONS: 'true',
          GITHUB_EVENT_PATH: event,
          GITHUB_SERVER_URL: 'https://github.example',
          GITHUB_REPOSITORY: repository,
          GITHUB_RUN_ID: String(1000 + heads.length),
          GITHUB_STEP_SUMMARY: join(work, `summary-${heads.length}.md`),
          GITHUB_TOKEN: server.token,
          SLACK_WEBHOOK_URL: slack.url,
        },
      }),
    );
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-github-feedback-'));
    server = await startLocalGitHub({ dir: join(work, 'github'), repository, hooks: [] });
    proxy = await startContractProxy(GitHubContract.load(), server.url);
    slack = await startSlackReceiver('ok');
    repo = join(work, 'repo');
    await createCiWorkspace(repo, { forge: { kind: 'github', repository, baseUrl: proxy.url }, notify: { slack: {} } });
    // The tests run from src/, so the failure's line is the source's own.
    const manifest = join(repo, 'packages/core/package.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(' dist/', ' src/'));
    await push(5);
    await push(6);
    await push(4);
    await push();
  });

  afterAll(async () => {
    await slack?.close();
    await proxy?.stop();
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  const client = () => gitHubClient({ baseUrl: server.url, auth: { token: server.token }, throttle: false });

  it('fails the check run on the pull request’s head, annotated at the failing test’s file and line', async () => {
    for (const run of runs.slice(0, 2)) expect(run.code, run.output).toBe(1);
    for (const [index, head] of heads.slice(0, 2).entries()) {
      const { data } = await client().rest.checks.listForRef({ owner: 'acme', repo: 'core-lib', ref: head });
      expect(data.check_runs).toHaveLength(1);
      const [check] = data.check_runs;
      expect(check).toMatchObject({
        name: 'slipway ci',
        status: 'completed',
        conclusion: 'failure',
        details_url: `https://github.example/${repository}/actions/runs/${1001 + index}`,
        output: { title: expect.stringMatching(/^Run #\d+ failed: Unit tests failed$/), annotations_count: 1 },
      });
      expect(check.output.summary).toContain('Unit tests failed');
    }
    const state = JSON.parse(await readFile(join(work, 'github', 'github.json'), 'utf8')) as {
      checkRuns: { headSha: string; annotations: Record<string, unknown>[] }[];
      statuses: { sha: string; state: string; context: string }[];
    };
    const annotation = state.checkRuns.find((check) => check.headSha === heads[1])!.annotations[0];
    expect(annotation).toMatchObject({
      path: 'packages/core/src/index.test.js',
      start_line: 4,
      end_line: 4,
      annotation_level: 'failure',
      title: 'Unit tests failed: doubles',
    });
    expect(String(annotation.message)).toContain('6');
    expect(state.statuses.filter((status) => status.sha === heads[1]).map((status) => status.state)).toEqual(['pending', 'failure']);
  });

  it('puts a check run on a new head whose tree is unchanged, answered from the earlier run without running it again', async () => {
    expect(runs[2].code, runs[2].output).toBe(0);
    expect(runs[3].code, runs[3].output).toBe(0);
    expect(runs[3].stderr).toMatch(/unchanged since run #\d+/);
    const { data } = await client().rest.checks.listForRef({ owner: 'acme', repo: 'core-lib', ref: heads[3] });
    expect(data.check_runs.map((check) => `${check.name}: ${check.conclusion}`)).toEqual(['slipway ci: success']);
    const state = JSON.parse(await readFile(join(work, 'github', 'github.json'), 'utf8')) as { statuses: { sha: string; state: string }[] };
    expect(state.statuses.filter((status) => status.sha === heads[3]).map((status) => status.state)).toEqual(['pending', 'success']);
  });

  it('keeps one comment on the pull request, updated by every later run', async () => {
    const { data: comments } = await client().rest.issues.listComments({ owner: 'acme', repo: 'core-lib', issue_number: 7 });
    expect(comments).toHaveLength(1);
    const [comment] = comments;
    expect(comment.body).toMatch(/^<!-- slipway:run-summary -->\n/);
    expect(comment.body).not.toContain('Unit tests failed');
    expect(comment.updated_at > comment.created_at || comment.updated_at !== comment.created_at).toBe(true);
  });

  it('tells Slack the same cause the annotation has', () => {
    expect(slack.received).toHaveLength(4);
    const text = JSON.stringify(slack.received[1].payload);
    expect(text).toContain('Unit tests failed');
    expect(text).toContain('packages/core/src/index.test.js:4');
  });

  it('said everything to GitHub in GitHub’s own shapes', () => {
    expect(proxy.exchanges.map((exchange) => `${exchange.method} ${exchange.path.replace(/\/[0-9a-f]{40}|\/\d+/g, '/…')}`)).toEqual(
      expect.arrayContaining([
        'POST /repos/acme/core-lib/check-runs',
        'PATCH /repos/acme/core-lib/check-runs/…',
        'POST /repos/acme/core-lib/statuses/…',
        'GET /repos/acme/core-lib/issues/…/comments',
        'POST /repos/acme/core-lib/issues/…/comments',
        'PATCH /repos/acme/core-lib/issues/comments/…',
      ]),
    );
    expect(proxy.problems()).toEqual([]);
  });
});
