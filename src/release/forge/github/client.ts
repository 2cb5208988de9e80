import { Octokit } from '@octokit/core';
import { createAppAuth } from '@octokit/auth-app';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { RequestError } from '@octokit/request-error';
import { Failure } from '../../../shared/feedback/failure.ts';
import { GitHubUnavailable } from './unavailable.ts';

/** Octokit with the plugins Slipway relies on: REST methods, pagination, retries and GitHub's rate limits. */
const SlipwayOctokit = Octokit.plugin(restEndpointMethods, paginateRest, retry, throttling);
export type GitHubClient = InstanceType<typeof SlipwayOctokit>;

/** How the client proves who it is: a token (Actions' GITHUB_TOKEN, a PAT), or a GitHub App's installation. */
export type GitHubAuth = { token: string } | { appId: string | number; privateKey: string; installationId: number };

export interface GitHubClientOptions {
  /** The API's root: https://api.github.com, a GitHub Enterprise Server's /api/v3, or the embedded stand-in. */
  baseUrl: string;
  auth: GitHubAuth;
  /**
   * Pace requests as GitHub asks of integrations (one write a second, waits on rate limits).
   * Off only for the embedded loopback stand-in, which has no rate limits to respect.
   */
  throttle?: boolean;
  /** Longest wait for a rate limit to lift before giving up (default 60 s). */
  maxRateLimitWaitSeconds?: number;
  /** Scale of the waits between retries and after rate limits, in ms per second asked (default 1000; tests shrink it). */
  retryUnitMs?: number;
  /** Told when a request waits on a rate limit. */
  onWait?: (message: string) => void;
  /** Every request and response, as sent (tests check them against GitHub's OpenAPI description). */
  fetch?: typeof fetch;
}

export function gitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const unit = options.retryUnitMs ?? 1000;
  const onLimit =
    (kind: string) => (retryAfter: number, request: { method: string; url: string }, _client: unknown, retryCount: number) => {
      if (retryCount >= 2 || retryAfter > maxWait) return false;
      options.onWait?.(`GitHub ${kind} on ${request.method} ${request.url}: waiting ${retryAfter} s as it asks`);
      return true;
    };
  return new SlipwayOctokit({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'slipway',
    ...('token' in options.auth
      ? { auth: options.auth.token }
      : {
          authStrategy: createAppAuth,
          auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, installationId: options.auth.installationId },
        }),
    // Retries come from the retry plugin's own count: a `retries` request option would make every status retried.
    request: options.fetch ? { fetch: options.fetch } : {},
    retry: { retryAfterBaseValue: unit, retries: 3 },
    throttle: {
      enabled: options.throttle ?? true,
      retryAfterBaseValue: unit,
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
    },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

/** What each refusal means for the developer, with the fix. */
const statusHints: Record<number, string> = {
  401: 'the token is missing, expired or revoked: in Actions pass GITHUB_TOKEN to the step (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})',
  403: 'the token lacks a permission: the job needs `contents: write` for releases, `checks: write`, `statuses: write`, `deployments: write` and `pull-requests: write` for feedback (see the README\'s "Running on GitHub")',
  404: 'the repository does not exist or the token cannot see it: check forge.repository and that the token or App is installed on it',
  422: 'GitHub refused the request as invalid (see the details)',
};

/**
 * A GitHub error as Slipway's feedback: what was being done, GitHub's status and message, its
 * validation errors, and the fix. A connection that never reached GitHub says so. The request's
 * authorization never appears: Octokit redacts it, and only the method and URL are named.
 */
export function gitHubFailure(error: unknown, doing: string): Failure {
  if (!(error instanceof RequestError)) {
    if (error instanceof Failure) return error;
    return new Failure(`${doing}: ${(error as Error)?.message ?? String(error)}`);
  }
  const data = error.response?.data as { message?: string; errors?: unknown[] } | undefined;
  const details = [
    `${error.request.method} ${error.request.url} answered ${error.status}${data?.message ? `: ${data.message}` : ''}`,
    ...(data?.errors ?? []).map((item) => (typeof item === 'string' ? item : JSON.stringify(item))),
  ];
  if (error.status === 500 && !error.response) {
    return new GitHubUnavailable(`${doing}: GitHub could not be reached (${error.message})`, {
      details,
      hint: 'check the network and https://www.githubstatus.com, then run again: finished stages are not redone',
    });
  }
  const answered = `${doing}: GitHub answered ${error.status}`;
  return error.status >= 500
    ? new GitHubUnavailable(answered, { details })
    : new Failure(answered, { details, hint: statusHints[error.status] });
}
