import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exec, type ExecResult } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';
import { startSlackReceiver, type SlackAnswer, type SlackReceiver } from '../test-support/slack-receiver.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

/** The failing assertion is on line 5 of the test file. */
const failingTest = [
  "import { test } from 'node:test';",
  "import assert from 'node:assert/strict';",
  "import { double } from './index.js';",
  'console.log(`the Slack webhook reaches the tests: ${process.env.SLACK_WEBHOOK_URL !== undefined}`);',
  "test('doubles', () => assert.equal(double(2), 5));",
  '',
].join('\n');

describe('a failing run told to Slack and to GitHub Actions', () => {
  let work: string;
  let repo: string;
  let home: string;
  let receiver: SlackReceiver | undefined;
  /** The run with Slack up, and what Slack received from it. */
  let up: { result: ExecResult; receiver: SlackReceiver; written: Record<string, string> };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-notify-'));
    repo = join(work, 'repo');
    home = join(work, 'home');
    await createCiWorkspace(repo, { notify: { slack: {} } });
    await writeFile(join(repo, 'packages/core/src/index.test.js'), failingTest);
    // The tests run from src/, so the failure's line is the source's own.
    const manifest = join(repo, 'packages/core/package.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(' dist/', ' src/'));
    await exec('git', ['commit', '-qam', 'a failing unit test'], { cwd: repo });
    const result = await ci('ok');
    up = { result, receiver: receiver!, written: await written(result) };
    receiver = undefined;
    await up.receiver.close();
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function ci(answer: SlackAnswer, env: Record<string, string> = {}): Promise<ExecResult> {
    receiver = await startSlackReceiver(answer);
    return exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', home], {
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', SLACK_WEBHOOK_URL: receiver.url, ...env },
    });
  }

  /** Everything Slipway wrote: its terminal output, the run's reports and logs, and the state database. */
  async function written(result: ExecResult): Promise<Record<string, string>> {
    const runs = join(home, 'runs');
    const files = [
      ...(await readdir(home)).filter((name) => name.startsWith('state.db')).map((name) => join(home, name)),
      ...(await readdir(runs, { recursive: true })).map((name) => join(runs, name)).filter((path) => /\.(json|md|log)$/.test(path)),
    ];
    const contents = await Promise.all(files.map(async (file) => [file, (await readFile(file)).toString('latin1')] as const));
    return { stdout: result.stdout, stderr: result.stderr, ...Object.fromEntries(contents) };
  }

  it('sends one message headed by the RFC message, naming the failing test at its file and line', () => {
    const { result } = up;
    expect(result.code, result.output).toBe(1);
    expect(up.receiver.received).toHaveLength(1);
    const [message] = up.receiver.received;
    expect(message.violations).toEqual([]);
    const blocks = message.payload.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Unit tests failed', emoji: false } });
    expect(blocks[1].type).toBe('section');
    expect(blocks[1].text?.text).toContain('*Cause:* test failed in @ci/core: doubles (packages/core/src/index.test.js:5)');
    expect(result.output).not.toContain('⚠ Slack');
  });

  it("keeps the webhook's URL out of everything it writes, and out of the project's tests", () => {
    const sinks = up.written;
    expect(Object.keys(sinks).some((name) => name.endsWith('summary.md'))).toBe(true);
    for (const [sink, text] of Object.entries(sinks))
      expect(text.includes(up.receiver.token), `the webhook's token in ${sink}`).toBe(false);
    const unitLog = Object.entries(sinks).find(([name]) => name.endsWith('unit.log'))![1];
    expect(unitLog).toContain('the Slack webhook reaches the tests: false');
  });

  const outages: [SlackAnswer, string][] = [
    ['server-error', '⚠ Slack: no message sent: the webhook answered HTTP 500'],
    ['no-service', '⚠ Slack: no message sent: the webhook answered HTTP 404 no_service'],
    ['invalid-payload', '⚠ Slack: no message sent: the webhook answered HTTP 400 invalid_payload'],
    ['drop', '⚠ Slack: no message sent: the webhook could not be reached ('],
  ];
  for (const [answer, warning] of outages) {
    it(`with Slack failing (${answer}), warns and exits as it does with Slack up`, async () => {
      const result = await ci(answer);
      expect(result.code, result.output).toBe(up.result.code);
      expect(result.stderr).toContain(warning);
      expect(result.stdout).toMatch(/Run #\d+ failed: Unit tests failed/);
      expect(receiver!.received).toHaveLength(1);
      for (const [sink, text] of Object.entries(await written(result))) expect(text.includes(receiver!.token), sink).toBe(false);
    });
  }

  it('inside GitHub Actions, annotates the failing test at its file and line and appends the job summary', async () => {
    const [summary, output] = [join(work, 'step-summary.md'), join(work, 'step-output')];
    await writeFile(summary, '# Setup\n');
    const result = await ci('no-service', {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/ci-fixture',
      GITHUB_RUN_ID: '777',
    });
    expect(result.code, result.output).toBe(up.result.code);
    expect(result.stdout.split('\n')).toContain(
      '::error file=packages/core/src/index.test.js,line=5,title=Unit tests failed%3A doubles::Expected values to be strictly equal:%0A%0A4 !== 5',
    );
    expect(result.stdout.split('\n')).toContain(
      '::warning title=Slipway::Slack: no message sent: the webhook answered HTTP 404 no_service',
    );
    const appended = await readFile(summary, 'utf8');
    expect(appended).toMatch(/^# Setup\n\n## Slipway run #\d+: failed\n/);
    expect(appended).toContain('### Unit tests failed: test failed in @ci/core: doubles (packages/core/src/index.test.js:5)');
    // `slipway ci` creates no release: no tag output.
    expect(existsSync(output)).toBe(false);
    const sent = JSON.stringify(receiver!.received[0].payload);
    expect(sent).toContain('"url":"https://github.com/acme/ci-fixture/actions/runs/777"');
    expect(appended.includes(receiver!.token) || result.output.includes(receiver!.token)).toBe(false);
  });
});

describe('a `slipway ci` answered from an unchanged earlier run', () => {
  let work: string;
  let receiver: SlackReceiver;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-notify-unchanged-'));
    receiver = await startSlackReceiver('ok');
  });
  afterAll(async () => {
    await receiver?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('sends its message too, as the run it replays was configured to', async () => {
    const repo = join(work, 'repo');
    await createCiWorkspace(repo, { notify: { slack: { on: 'always' } } });
    const ci = () =>
      exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', join(work, 'home')], {
        env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', SLACK_WEBHOOK_URL: receiver.url },
      });
    const first = await ci();
    expect(first.code, first.output).toBe(0);
    const second = await ci();
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/unchanged since run #1/);
    const headers = receiver.received.map(({ payload }) => (payload.blocks as { text?: { text: string } }[])[0].text?.text);
    expect(headers).toEqual(['Run #1: built and tested', 'Run #2: built and tested']);
    expect(receiver.received.flatMap(({ violations }) => violations)).toEqual([]);
  });
});
