import { gitHubFailure, type GitHubClient } from '../../release/forge/github/client.ts';
import { gitHubClientOf, type GitHubSettings } from '../../release/forge/open-forge.ts';

/** A pull request proposing a release for a manual-gate environment. */
export interface PullRequestRequest {
  /** The review branch, in the deploy repository itself. */
  branch: string;
  /** The branch Argo CD follows, which the pull request merges into. */
  base: string;
  title: string;
  body: string;
}

/** Where review branches become pull requests. */
export interface ReviewForge {
  /** Opens the pull request, or finds the one already open for the branch (a resumed run); its number and page. */
  openPullRequest(repository: string, request: PullRequestRequest): Promise<{ number: number; url: string }>;
}

/** Pull requests on GitHub, through the forge's own client and credentials. */
export class GitHubReviewForge implements ReviewForge {
  constructor(private readonly client: GitHubClient) {}

  async openPullRequest(repository: string, request: PullRequestRequest): Promise<{ number: number; url: string }> {
    const [owner, repo] = repository.split('/');
    const doing = `open a pull request for ${request.branch} in ${repository}`;
    try {
      const open = await this.client.rest.pulls.list({
        owner,
        repo,
        state: 'open',
        head: `${owner}:${request.branch}`,
        base: request.base,
      });
      const existing = open.data.find((pull) => pull.head.ref === request.branch);
      if (existing) return { number: existing.number, url: existing.html_url };
      const created = await this.client.rest.pulls.create({
        owner,
        repo,
        head: request.branch,
        base: request.base,
        title: request.title,
        body: request.body,
      });
      return { number: created.data.number, url: created.data.html_url };
    } catch (error) {
      throw gitHubFailure(error, doing);
    }
  }
}

/** The forge's GitHub as a review forge: its configured credentials, masked from then on. */
export function gitHubReviewForge(settings: GitHubSettings, env: NodeJS.ProcessEnv, addSecret: (value: string) => void): ReviewForge {
  return new GitHubReviewForge(gitHubClientOf(settings, env, (value) => value && addSecret(value)));
}
