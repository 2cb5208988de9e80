import { gitHubFailure, type GitHubClient } from './client.ts';
import { commentMarker, type CheckAnnotation } from './feedback-plan.ts';

export interface CheckOutput {
  title: string;
  summary: string;
  annotations?: CheckAnnotation[];
}

/** A deployment as GitHub lists it, with its newest status. */
export interface ForgeDeployment {
  environment: string;
  payload: Record<string, unknown>;
  state?: string;
  at: string;
}

export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/**
 * Where a run's feedback shows on GitHub, besides its releases: check runs with annotations,
 * commit statuses, deployments and their statuses, and one pull-request comment. Each call is one
 * request (Octokit retries and paces it); a refusal is a Failure naming what was being done.
 */
export class GitHubFeedback {
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly client: GitHubClient,
    readonly repository: string,
  ) {
    [this.owner, this.repo] = repository.split('/');
  }

  async createCheckRun(input: { name: string; headSha: string; detailsUrl?: string; externalId: string; output: CheckOutput }) {
    return this.call(`create the check run ${input.name}`, async () => {
      const { data } = await this.client.rest.checks.create({
        owner: this.owner,
        repo: this.repo,
        name: input.name,
        head_sha: input.headSha,
        status: 'in_progress',
        started_at: new Date().toISOString(),
        external_id: input.externalId,
        ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
        output: input.output,
      });
      return { id: Number(data.id), url: data.html_url ?? undefined };
    });
  }

  async updateCheckRun(id: number, update: { output: CheckOutput; conclusion?: 'success' | 'failure' | 'neutral' }): Promise<void> {
    await this.call(`update check run ${id}`, () =>
      this.client.rest.checks.update({
        owner: this.owner,
        repo: this.repo,
        check_run_id: id,
        output: update.output,
        ...(update.conclusion ? { status: 'completed', conclusion: update.conclusion, completed_at: new Date().toISOString() } : {}),
      }),
    );
  }

  async setCommitStatus(
    sha: string,
    status: { state: 'pending' | 'success' | 'failure' | 'error'; description: string; context: string; targetUrl?: string },
  ) {
    await this.call(`set the commit status of ${sha.slice(0, 10)}`, () =>
      this.client.rest.repos.createCommitStatus({
        owner: this.owner,
        repo: this.repo,
        sha,
        state: status.state,
        description: status.description,
        context: status.context,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      }),
    );
  }

  async createDeployment(input: {
    ref: string;
    environment: string;
    description: string;
    payload: Record<string, unknown>;
    production: boolean;
  }) {
    return this.call(`create a deployment to ${input.environment}`, async () => {
      const { data } = await this.client.rest.repos.createDeployment({
        owner: this.owner,
        repo: this.repo,
        ref: input.ref,
        environment: input.environment,
        description: input.description,
        payload: input.payload,
        auto_merge: false,
        // Slipway has judged the commit itself; GitHub must not wait for other checks to deploy it.
        required_contexts: [],
        transient_environment: false,
        production_environment: input.production,
      });
      if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
      return Number(data.id);
    });
  }

  async setDeploymentStatus(id: number, status: { state: DeploymentState; description: string; environmentUrl?: string; logUrl?: string }) {
    await this.call(`set the status of deployment ${id}`, () =>
      this.client.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: id,
        state: status.state,
        description: status.description,
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
        // A successful deploy makes the environment's earlier deployments inactive, as on GitHub's page.
        auto_inactive: true,
      }),
    );
  }

  /** Every deployment with its newest status, newest first: where each release went, as GitHub keeps it. */
  async listDeployments(): Promise<ForgeDeployment[]> {
    return this.call('list the deployments', async () => {
      const deployments = await this.client.paginate(this.client.rest.repos.listDeployments, {
        owner: this.owner,
        repo: this.repo,
        per_page: 100,
      });
      return Promise.all(
        deployments.map(async (deployment) => {
          const { data } = await this.client.rest.repos.listDeploymentStatuses({
            owner: this.owner,
            repo: this.repo,
            deployment_id: Number(deployment.id),
            per_page: 1,
          });
          const [latest] = data;
          return {
            environment: deployment.environment,
            payload: (typeof deployment.payload === 'object' && deployment.payload !== null ? deployment.payload : {}) as Record<
              string,
              unknown
            >,
            state: latest?.state,
            at: latest?.created_at ?? deployment.created_at,
          };
        }),
      );
    });
  }

  /** The pull requests a commit is the head of (or in): where its run's comment goes. */
  async pullRequestsOf(sha: string): Promise<number[]> {
    return this.call(`find the pull requests of ${sha.slice(0, 10)}`, async () => {
      const { data } = await this.client.rest.repos.listPullRequestsAssociatedWithCommit({
        owner: this.owner,
        repo: this.repo,
        commit_sha: sha,
      });
      return data.filter((pull) => pull.state === 'open').map((pull) => pull.number);
    });
  }

  /** Slipway's one comment on a pull request: updated in place when there is one, else created. */
  async upsertComment(issue: number, body: string): Promise<'created' | 'updated'> {
    return this.call(`comment on pull request #${issue}`, async () => {
      const comments = await this.client.paginate(this.client.rest.issues.listComments, {
        owner: this.owner,
        repo: this.repo,
        issue_number: issue,
        per_page: 100,
      });
      const mine = comments.find((comment) => comment.body?.startsWith(commentMarker));
      if (mine) {
        await this.client.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: mine.id, body });
        return 'updated' as const;
      }
      await this.client.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: issue, body });
      return 'created' as const;
    });
  }

  private async call<T>(doing: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw gitHubFailure(error, `Could not ${doing} in ${this.repository}`);
    }
  }
}
