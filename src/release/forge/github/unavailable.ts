import { Failure } from '../../../shared/feedback/failure.ts';

/**
 * GitHub itself failing (5xx after the retries, or no answer at all), as opposed to refusing a
 * request. Apart from the client so that telling it apart does not load Octokit.
 */
export class GitHubUnavailable extends Failure {}
