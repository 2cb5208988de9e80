import { readFile } from 'node:fs/promises';
import type { EnvironmentChange, PromotionStatus } from '../deploy/promotion/index.ts';
// The one rule, from the module without the store: this file is loaded by `slipway ci` too.
import { isProductionName } from '../deploy/promotion/types.ts';
import type { EventListener, PipelineEvent } from '../engine/events.ts';
import type { Redactor } from '../shared/redactor.ts';
import {
  annotationsOf,
  commentBody,
  fitSummary,
  inBatches,
  progressOutput,
  statusDescription,
  type StageProgress,
} from '../release/forge/github/feedback-plan.ts';
import { GitHubUnavailable } from '../release/forge/github/unavailable.ts';
import type { DeploymentState, GitHubFeedback } from '../release/forge/github/github-feedback.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunRecord } from '../shared/state/run-store.ts';
import { actionsLinks, pullRequestOfEvent } from './actions-context.ts';

export interface ForgeFeedbackOptions {
  /** The forge's feedback channel, opened on first use. */
  open: () => Promise<GitHubFeedback>;
  run: RunRecord;
  /** The check run's name: `slipway ci`, `slipway run`, `slipway release`, ... */
  checkName: string;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  /** One warning per kind of request that failed: reporting never fails the run. */
  warn: (message: string) => void;
}

/** What the end of the run learns from GitHub, for the other sinks (Slack's button). */
export interface ForgeFeedbackResult {
  checkUrl?: string;
}

/**
 * A run's feedback on GitHub, as it goes: one check run (in progress, updated stage by stage,
 * completed with the summary and an annotation at every failing file and line), the commit's
 * status, a deployment with statuses for each environment the release enters, and one comment on
 * the pull request, updated in place. Requests go one at a time in the background, stage updates
 * coalesced to the latest, so reporting never slows the pipeline; a GitHub that fails is a warning.
 */
export class ForgeFeedbackReporter {
  private chain: Promise<void> = Promise.resolve();
  private feedback?: Promise<GitHubFeedback>;
  private checkRun?: { id: number; url?: string };
  private readonly stages = new Map<string, StageProgress>();
  private progressQueued = false;
  private readonly deployments = new Map<string, number>();
  private readonly urls = new Map<string, string>();
  private readonly warned = new Set<string>();
  private unreachable = false;
  private readonly pullRequest: { number?: number; headSha?: string };

  constructor(private readonly options: ForgeFeedbackOptions) {
    this.pullRequest = pullRequestOfEvent(options.env);
  }

  private get runUrl(): string | undefined {
    return actionsLinks(this.options.env, this.options.run.commit).run;
  }

  /** The commit GitHub shows the run on: a pull request's head, not the merge commit Actions checks out. */
  private get headSha(): string {
    return this.pullRequest.headSha ?? this.options.run.commit;
  }

  start(): void {
    this.schedule('check run', async (github) => {
      this.checkRun = await github.createCheckRun({
        name: this.options.checkName,
        headSha: this.headSha,
        detailsUrl: this.runUrl,
        externalId: `slipway-run-${this.options.run.id}`,
        output: { title: 'Starting', summary: `Slipway run #${this.options.run.id} of ${this.options.run.commit.slice(0, 10)}` },
      });
    });
    this.schedule('commit status', (github) =>
      github.setCommitStatus(this.headSha, {
        state: 'pending',
        context: this.options.checkName,
        description: `run #${this.options.run.id} in progress`,
        targetUrl: this.runUrl,
      }),
    );
  }

  onEvent(event: PipelineEvent): void {
    if (event.type === 'stage-start') this.stages.set(event.stage, { stage: event.stage, status: 'running' });
    else if (event.type === 'stage-end')
      this.stages.set(event.stage, {
        stage: event.stage,
        status: event.status,
        summary: this.options.redact(event.summary),
        durationMs: event.durationMs,
      });
    else return;
    if (this.progressQueued) return;
    this.progressQueued = true;
    this.schedule('check run', async (github) => {
      this.progressQueued = false;
      if (this.checkRun) await github.updateCheckRun(this.checkRun.id, { output: progressOutput([...this.stages.values()]) });
    });
  }

  onEnvironmentChange(change: EnvironmentChange): void {
    const { environment, release, status, detail } = change.record;
    const key = `${environment}@${release}`;
    if (change.url) this.urls.set(key, change.url);
    const state = deploymentState(status);
    if (!state) return;
    this.schedule('deployment', async (github) => {
      let id = this.deployments.get(key);
      if (id === undefined) {
        id = await github.createDeployment({
          ref: release,
          environment,
          description: `${release} to ${environment} by Slipway run #${this.options.run.id}`,
          // The release's identity rides along, so a runner with an empty store learns from GitHub where it stands.
          payload: {
            ...change.release,
            release,
            run: this.options.run.id,
            ...(change.withdrawal ? { withdrawal: change.withdrawal } : {}),
          },
          production: isProductionName(environment),
        });
        this.deployments.set(key, id);
      }
      await github.setDeploymentStatus(id, {
        state,
        description: statusDescription(this.options.redact(detail ?? `${release} ${status} in ${environment}`)),
        environmentUrl: this.urls.get(key),
        logUrl: this.runUrl ?? this.checkRun?.url,
      });
    });
  }

  /** Completes the check run with the run's summary and annotations, the status, and the pull request's comment. */
  async finish(end: { failures: Feedback[]; summaryPath: string; runLine: string }): Promise<ForgeFeedbackResult> {
    const failed = end.failures.length > 0;
    const whereInFull = `in \`slipway show ${this.options.run.id}\``;
    const summary = this.options.redact(await readFile(end.summaryPath, 'utf8').catch(() => end.runLine));
    const annotations = annotationsOf(end.failures).map((annotation) => ({
      ...annotation,
      title: annotation.title && this.options.redact(annotation.title),
      message: this.options.redact(annotation.message),
    }));
    const title = statusDescription(this.options.redact(end.runLine));
    this.schedule('check run', async (github) => {
      if (!this.checkRun) return;
      const batches = inBatches(annotations);
      // All but the last batch while in progress; GitHub appends each update's annotations.
      for (const batch of batches.slice(0, -1))
        await github.updateCheckRun(this.checkRun.id, { output: { title, summary: fitSummary(summary, whereInFull), annotations: batch } });
      await github.updateCheckRun(this.checkRun.id, {
        output: { title, summary: fitSummary(summary, whereInFull), annotations: batches.at(-1) ?? [] },
        conclusion: failed ? 'failure' : 'success',
      });
    });
    this.schedule('commit status', (github) =>
      github.setCommitStatus(this.headSha, {
        state: failed ? 'failure' : 'success',
        context: this.options.checkName,
        description: title,
        targetUrl: this.checkRun?.url ?? this.runUrl,
      }),
    );
    this.schedule('pull-request comment', async (github) => {
      const numbers = this.pullRequest.number !== undefined ? [this.pullRequest.number] : await github.pullRequestsOf(this.headSha);
      for (const number of numbers) await github.upsertComment(number, commentBody(summary, whereInFull));
    });
    await this.chain;
    return { checkUrl: this.checkRun?.url };
  }

  private schedule(kind: string, request: (github: GitHubFeedback) => Promise<unknown>): void {
    this.chain = this.chain.then(async () => {
      if (this.unreachable) return;
      try {
        this.feedback ??= this.options.open();
        await request(await this.feedback);
      } catch (error) {
        const problem = this.options.redact((error as { specific?: string }).specific ?? (error as Error).message);
        // A GitHub that is down (after Octokit's retries) is not asked again this run: the run ends on time.
        if (error instanceof GitHubUnavailable) {
          this.unreachable = true;
          this.options.warn(`GitHub feedback: ${problem}; the rest of this run's feedback to GitHub is not sent`);
          return;
        }
        if (this.warned.has(kind)) return;
        this.warned.add(kind);
        this.options.warn(`GitHub feedback: ${problem}`);
      }
    });
  }
}

/**
 * Starts a run's feedback on GitHub and returns the listener that feeds it each stage (the run's
 * own listener first). The adapters' environment changes reach it through `reporter`.
 */
export function startForgeFeedback(opts: {
  open: () => Promise<GitHubFeedback>;
  run: RunRecord;
  checkName: string;
  listener: EventListener;
  redactor: Redactor;
}): { reporter: ForgeFeedbackReporter; listener: EventListener } {
  const { run, listener, redactor } = opts;
  const reporter = new ForgeFeedbackReporter({
    open: opts.open,
    run,
    checkName: opts.checkName,
    env: process.env,
    redact: (text) => redactor.redact(text),
    warn: (message) => listener({ type: 'notice', runId: run.id, level: 'warning', message: redactor.redact(message) }),
  });
  reporter.start();
  return {
    reporter,
    listener: (event) => {
      listener(event);
      reporter.onEvent(event);
    },
  };
}

/** GitHub's deployment state for a release's state in an environment; none where GitHub has nothing to show. */
function deploymentState(status: PromotionStatus): DeploymentState | undefined {
  switch (status) {
    case 'deploying':
    case 'live':
      return 'in_progress';
    case 'stable':
      return 'success';
    case 'failed':
      return 'failure';
    // `inactive` is GitHub's for a deployment a newer one replaced; a rollback is an error.
    case 'rolled-back':
      return 'error';
    default:
      return undefined;
  }
}
