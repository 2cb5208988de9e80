import type { NotifyConfig } from '../config/schema.ts';
import type { EventListener } from '../engine/events.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { runResult } from '../shared/feedback/run-result.ts';
import { appendStepOutput, appendStepSummary, inGitHubActions } from '../shared/feedback/sinks/github-actions.ts';
import { writeRunReports } from '../shared/feedback/sinks/reports.ts';
import { slackMessage, type RunLinks } from '../shared/feedback/sinks/slack.ts';
import { actionsLinks } from './actions-context.ts';
import type { ForgeFeedbackReporter } from './forge-feedback.ts';
import { postToSlack } from '../shared/feedback/sinks/slack-webhook.ts';
import type { Home } from '../shared/home.ts';
import type { Redactor } from '../shared/redactor.ts';
import type { RunStore } from '../shared/state/run-store.ts';

export interface RunReportOptions {
  store: RunStore;
  runId: number;
  home: Home;
  /** The configuration's `notify`: where the result goes besides the reports. */
  notify: NotifyConfig;
  redactor: Redactor;
  listener: EventListener;
  /** The tag of the release this run created, for the job's `tag` output. */
  createdTag?: string;
  /** When the release half left this run: what carries it on. */
  handoff?: string;
  /** Links known beyond those of the GitHub Actions job (a check run's page). */
  links?: RunLinks;
  /** The run's feedback on GitHub, completed here with the run's summary. */
  forge?: ForgeFeedbackReporter;
  env?: NodeJS.ProcessEnv;
}

/**
 * The end of every run, whichever command ran it: its reports (feedback.json, summary.md), then
 * the GitHub Actions job's step summary and outputs, then the Slack message. Only the reports can
 * fail the run's end; the job files and Slack are the developer's warnings when they fail.
 */
export async function reportRun(options: RunReportOptions): Promise<void> {
  const { store, runId, home, redactor, env = process.env } = options;
  const warn = (message: string) => options.listener({ type: 'notice', runId, level: 'warning', message: redactor.redact(message) });
  const reports = await writeRunReports(store, runId, home.runDir(runId));
  let links = options.links;
  if (options.forge) {
    const run = store.getRun(runId)!;
    const failures = store.feedback<Feedback>(runId).filter((item) => item.kind === 'failure');
    const { checkUrl } = await options.forge.finish({
      failures,
      summaryPath: reports.markdown,
      runLine: runResult(
        run,
        store.stages(runId),
        failures.map((failure) => failure.message),
        options.handoff,
      ).line,
    });
    // Without an Actions run to link to, Slack's button leads to the check run.
    if (checkUrl && !actionsLinks(env, run.commit).run) links = { run: checkUrl, ...links };
  }
  if (inGitHubActions(env)) await reportToActionsJob({ ...options, env, warn, summary: reports.summary, summaryPath: reports.markdown });
  if (options.notify.slack) await notifySlack({ ...options, links, env, warn, slack: options.notify.slack });
}

async function reportToActionsJob(
  opts: RunReportOptions & { env: NodeJS.ProcessEnv; warn: (message: string) => void; summary: string; summaryPath: string },
): Promise<void> {
  const { env, warn, redactor } = opts;
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const whereInFull = `in ${opts.summaryPath} on the runner (\`slipway show ${opts.runId}\`)`;
    await appendStepSummary(summaryFile, redactor.redact(opts.summary), whereInFull).then(
      (added) =>
        added ||
        warn(`GitHub Actions: the step summary ${summaryFile} is already at GitHub's 1 MiB limit; the run's summary was not added`),
      (error: Error) => warn(`GitHub Actions: could not add the run's summary to ${summaryFile}: ${error.message}`),
    );
  }
  const outputFile = env.GITHUB_OUTPUT;
  if (outputFile && opts.createdTag) {
    await appendStepOutput(outputFile, 'tag', redactor.redact(opts.createdTag)).catch((error: Error) =>
      warn(`GitHub Actions: could not write the step output tag to ${outputFile}: ${error.message}`),
    );
  }
}

async function notifySlack(
  opts: RunReportOptions & { env: NodeJS.ProcessEnv; warn: (message: string) => void; slack: NonNullable<NotifyConfig['slack']> },
): Promise<void> {
  const { store, runId, env, warn, redactor, slack } = opts;
  const failures = store.feedback<Feedback>(runId).filter((item) => item.kind === 'failure');
  if (slack.on === 'failure' && failures.length === 0) return;
  const url = env[slack.webhookUrlEnv];
  if (!url) return warn(`Slack: ${slack.webhookUrlEnv} is not set; no message sent`);
  redactor.add(url, pathOf(url));
  if (!/^https?:\/\//i.test(url)) return warn(`Slack: ${slack.webhookUrlEnv} is not an http(s) URL; no message sent`);
  const run = store.getRun(runId)!;
  const stages = store.stages(runId);
  const message = slackMessage(
    {
      run,
      failures,
      result: runResult(run, stages, [], opts.handoff).line,
      stages,
      links: { ...actionsLinks(env, run.commit), ...opts.links },
    },
    (text) => redactor.redact(text),
  );
  const problem = await postToSlack(url, message);
  if (problem) warn(`Slack: no message sent: ${problem}`);
}

/** The URL's path: the part of a webhook URL that is the credential. */
function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
