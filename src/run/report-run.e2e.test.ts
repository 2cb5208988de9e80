import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../engine/events.ts';
import { feedbackFrom } from '../shared/feedback/feedback.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { homeAt, type Home } from '../shared/home.ts';
import { freePort } from '../shared/net.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { startSlackReceiver, type SlackAnswer, type SlackReceiver } from '../test-support/slack-receiver.ts';
import { reportRun, type RunReportOptions } from './report-run.ts';

const commit = '53b3858c2293b09d43a327b6f27147780f84fbe9';

describe('reportRun', () => {
  let dir: string;
  let home: Home;
  let store: RunStore;
  let receiver: SlackReceiver | undefined;
  let events: PipelineEvent[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-report-'));
    home = homeAt(join(dir, 'home'));
    store = new RunStore(home.stateDb);
    events = [];
  });
  afterEach(async () => {
    store.close();
    await receiver?.close();
    receiver = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const warnings = () => events.flatMap((event) => (event.type === 'notice' && event.level === 'warning' ? [event.message] : []));

  /** A run of `slipway run` that created release v1.5.0 and published it, or failed its unit tests. */
  function recordRun(outcome: 'failed' | 'published'): number {
    const run = store.createRun({ project: 'embark', repoDir: dir, commit, branch: 'main', trigger: 'manual' });
    if (outcome === 'failed') {
      store.setStage(run.id, 'unit', 'failed', { summary: 'test failed in @embark/shared' });
      const failure = new Failure('test failed in @embark/shared: pads dates (packages/shared/src/format.test.ts:12)', {
        details: ['pads dates (packages/shared/src/format.test.ts:12): "1" !== "01"'],
        locations: [{ file: 'packages/shared/src/format.test.ts', line: 12, message: '"1" !== "01"' }],
      });
      store.addFeedback(run.id, 'unit', feedbackFrom(failure, { runId: run.id, stage: 'unit', message: 'Unit tests failed' }));
    } else {
      store.setStage(run.id, 'release', 'succeeded', {
        summary: 'draft release v1.5.0',
        outputs: { manifest: { project: 'embark', version: '1.5.0', tag: 'v1.5.0' } },
      });
      store.setStage(run.id, 'publish', 'succeeded', { summary: 'release v1.5.0 published' });
    }
    store.setRunStatus(run.id, outcome === 'failed' ? 'failed' : 'succeeded');
    return run.id;
  }

  async function report(runId: number, options: Partial<RunReportOptions> & { answer?: SlackAnswer } = {}): Promise<void> {
    receiver ??= await startSlackReceiver(options.answer);
    await reportRun({
      store,
      runId,
      home,
      notify: { slack: { webhookUrlEnv: 'SLACK_WEBHOOK_URL', on: 'always' } },
      redactor: new Redactor(),
      listener: (event) => events.push(event),
      env: { SLACK_WEBHOOK_URL: receiver.url },
      ...options,
    });
  }

  it('sends one message Slack takes, and writes the reports', async () => {
    const runId = recordRun('failed');
    await report(runId);
    expect(receiver!.received).toHaveLength(1);
    expect(receiver!.received[0].violations).toEqual([]);
    const blocks = receiver!.received[0].payload.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0].text?.text).toBe('Unit tests failed');
    expect(blocks[1].text?.text).toContain('pads dates (packages/shared/src/format.test.ts:12)');
    expect(warnings()).toEqual([]);
    expect(await readFile(join(home.runDir(runId), 'summary.md'), 'utf8')).toContain('Unit tests failed');
  });

  it('heads a successful run with what it did, and sends nothing for it with on: failure', async () => {
    const runId = recordRun('published');
    await report(runId);
    const blocks = receiver!.received[0].payload.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0].text?.text).toBe('Published embark 1.5.0 (v1.5.0)');
    await report(runId, { notify: { slack: { webhookUrlEnv: 'SLACK_WEBHOOK_URL', on: 'failure' } } });
    expect(receiver!.received).toHaveLength(1);
    expect(warnings()).toEqual([]);
  });

  const outages: [SlackAnswer, RegExp][] = [
    ['server-error', /^Slack: no message sent: the webhook answered HTTP 500 Internal Server Error$/],
    ['no-service', /^Slack: no message sent: the webhook answered HTTP 404 no_service$/],
    ['invalid-payload', /^Slack: no message sent: the webhook answered HTTP 400 invalid_payload$/],
    ['drop', /^Slack: no message sent: the webhook could not be reached \(\w+/],
    ['hang', /^Slack: no message sent: the webhook did not answer within 5 s$/],
  ];
  for (const [answer, warning] of outages) {
    it(`warns, naming Slack and what it answered, when Slack fails (${answer}), and never shows the URL`, async () => {
      const runId = recordRun('failed');
      await report(runId, { answer });
      expect(receiver!.received).toHaveLength(1);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatch(warning);
      expect(warnings()[0]).not.toContain(receiver!.token);
      expect(await readFile(join(home.runDir(runId), 'feedback.json'), 'utf8')).toContain('Unit tests failed');
    });
  }

  it('warns when nothing listens at the URL', async () => {
    const runId = recordRun('failed');
    const url = `http://127.0.0.1:${await freePort()}/services/T0/B0/closed-port-token`;
    await report(runId, { env: { SLACK_WEBHOOK_URL: url } });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^Slack: no message sent: the webhook could not be reached \(ECONNREFUSED/);
    expect(warnings()[0]).not.toContain('closed-port-token');
  });

  it('warns, without sending or failing, when the URL is unset or not http(s)', async () => {
    const runId = recordRun('failed');
    await report(runId, { env: {} });
    await report(runId, { env: { SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/no-scheme-token' } });
    await report(runId, { notify: { slack: { webhookUrlEnv: 'TEAM_SLACK', on: 'always' } }, env: { TEAM_SLACK: '' } });
    expect(warnings()).toEqual([
      'Slack: SLACK_WEBHOOK_URL is not set; no message sent',
      'Slack: SLACK_WEBHOOK_URL is not an http(s) URL; no message sent',
      'Slack: TEAM_SLACK is not set; no message sent',
    ]);
    expect(receiver!.received).toEqual([]);
  });

  it('inside GitHub Actions: appends the summary, writes the tag output, and links the run and the commit', async () => {
    const runId = recordRun('published');
    const [summary, output] = [join(dir, 'step-summary.md'), join(dir, 'output')];
    await writeFile(summary, '# Earlier step\n');
    receiver = await startSlackReceiver();
    await report(runId, {
      createdTag: 'v1.5.0',
      env: {
        SLACK_WEBHOOK_URL: receiver.url,
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/embark',
        GITHUB_RUN_ID: '4242',
      },
    });
    expect(await readFile(summary, 'utf8')).toMatch(/^# Earlier step\n\n## Slipway run #1: succeeded\n/);
    expect(await readFile(output, 'utf8')).toBe('tag=v1.5.0\n');
    const sent = JSON.stringify(receiver.received[0].payload);
    expect(sent).toContain('"url":"https://github.com/acme/embark/actions/runs/4242"');
    expect(sent).toContain(`<https://github.com/acme/embark/commit/${commit}|53b3858c2293>`);
    expect(warnings()).toEqual([]);
  });

  it('without GitHub Actions, writes no job files and makes no links', async () => {
    const runId = recordRun('published');
    const output = join(dir, 'output');
    await report(runId, {
      createdTag: 'v1.5.0',
      env: { SLACK_WEBHOOK_URL: (receiver = await startSlackReceiver()).url, GITHUB_OUTPUT: output },
    });
    expect(await readdir(dir)).not.toContain('output');
    expect(JSON.stringify(receiver.received[0].payload)).not.toMatch(/github\.com|"actions"/);
  });

  it('warns, and keeps the reports, when the step summary cannot be written', async () => {
    const runId = recordRun('failed');
    await report(runId, { notify: {}, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'missing-dir', 'summary.md') } });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^GitHub Actions: could not add the run's summary to .*missing-dir\/summary\.md: ENOENT/);
    expect(await readFile(join(home.runDir(runId), 'summary.md'), 'utf8')).toContain('Unit tests failed');
  });
});
