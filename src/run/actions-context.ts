import { readFileSync } from 'node:fs';
import { inGitHubActions } from '../shared/feedback/sinks/github-actions.ts';
import type { RunLinks } from '../shared/feedback/sinks/slack.ts';

/** The run's page and its commit's, when the run is a GitHub Actions job's. */
export function actionsLinks(env: NodeJS.ProcessEnv, commit: string): RunLinks {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!inGitHubActions(env) || !server || !repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) return {};
  return {
    ...(runId && /^\d+$/.test(runId) ? { run: `${server}/${repository}/actions/runs/${runId}` } : {}),
    ...(/^[0-9a-f]{7,64}$/.test(commit) ? { commit: `${server}/${repository}/commit/${commit}` } : {}),
  };
}

/** In a pull request's Actions job: its number and head commit, from the event GitHub wrote. */
export function pullRequestOfEvent(env: NodeJS.ProcessEnv): { number?: number; headSha?: string } {
  if (!inGitHubActions(env) || !env.GITHUB_EVENT_PATH) return {};
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { number?: unknown; head?: { sha?: unknown } };
    };
    const number = event.pull_request?.number;
    const headSha = event.pull_request?.head?.sha;
    return {
      ...(typeof number === 'number' ? { number } : {}),
      ...(typeof headSha === 'string' && /^[0-9a-f]{40}$/.test(headSha) ? { headSha } : {}),
    };
  } catch {
    return {};
  }
}
