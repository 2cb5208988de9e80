import { actor, type Site } from './objects.ts';
import { invalid, notFound, page, type Answer, type Route, type RouteRequest } from './routing.ts';
import type { StoredCheckRun, StoredComment, StoredDeployment, StoredStatus } from './state.ts';

const checkStatuses = ['queued', 'in_progress', 'completed'];
const conclusions = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'timed_out'];
const statusStates = ['error', 'failure', 'pending', 'success'];
const deploymentStates = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
/** GitHub takes at most 50 annotations per request. */
const annotationsPerRequest = 50;

function repoUrl(site: Site): string {
  return `${site.api}/repos/${site.owner}/${site.name}`;
}

function app(site: Site) {
  return {
    id: 15368,
    slug: 'github-actions',
    node_id: 'MDM6QXBwMTUzNjg=',
    owner: actor(site),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${site.api}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: { checks: 'write', contents: 'write', deployments: 'write', pull_requests: 'write', statuses: 'write' },
    events: ['check_run', 'deployment', 'pull_request', 'push', 'release', 'repository_dispatch', 'workflow_dispatch'],
  };
}

function checkRunObject(site: Site, run: StoredCheckRun) {
  const url = `${repoUrl(site)}/check-runs/${run.id}`;
  return {
    id: run.id,
    node_id: Buffer.from(`0:CheckRun${run.id}`).toString('base64'),
    head_sha: run.headSha,
    external_id: run.externalId ?? '',
    url,
    html_url: `${site.api}/${site.owner}/${site.name}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: { ...run.output, annotations_count: run.annotations.length, annotations_url: `${url}/annotations` },
    name: run.name,
    check_suite: { id: 1 },
    app: app(site),
    pull_requests: [],
  };
}

function statusObject(site: Site, status: StoredStatus) {
  return {
    url: `${repoUrl(site)}/statuses/${status.sha}`,
    avatar_url: null,
    id: status.id,
    node_id: Buffer.from(`0:StatusContext${status.id}`).toString('base64'),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: actor(site),
  };
}

function deploymentObject(site: Site, deployment: StoredDeployment) {
  const url = `${repoUrl(site)}/deployments/${deployment.id}`;
  return {
    url,
    id: deployment.id,
    node_id: Buffer.from(`0:Deployment${deployment.id}`).toString('base64'),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: actor(site),
    created_at: deployment.createdAt,
    updated_at: deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl(site),
    transient_environment: deployment.transient,
    production_environment: deployment.production,
  };
}

function deploymentStatusObject(site: Site, deployment: StoredDeployment, status: StoredDeployment['statuses'][number]) {
  const deploymentUrl = `${repoUrl(site)}/deployments/${deployment.id}`;
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: Buffer.from(`0:DeploymentStatus${status.id}`).toString('base64'),
    state: status.state,
    creator: actor(site),
    description: status.description,
    environment: deployment.environment,
    target_url: status.logUrl,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    deployment_url: deploymentUrl,
    repository_url: repoUrl(site),
    ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
    ...(status.logUrl ? { log_url: status.logUrl } : {}),
  };
}

function commentObject(site: Site, comment: StoredComment) {
  return {
    id: comment.id,
    node_id: Buffer.from(`0:IssueComment${comment.id}`).toString('base64'),
    url: `${repoUrl(site)}/issues/comments/${comment.id}`,
    html_url: `${site.api}/${site.owner}/${site.name}/pull/${comment.issue}#issuecomment-${comment.id}`,
    body: comment.body,
    user: actor(site),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${repoUrl(site)}/issues/${comment.issue}`,
    author_association: 'NONE',
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Applies a check run's create or update body; undefined when it is valid, else GitHub's 422. */
function applyCheckRun(run: StoredCheckRun, body: Record<string, unknown>): Answer | undefined {
  if (body.status !== undefined && !checkStatuses.includes(String(body.status))) return invalid('CheckRun', 'status', 'invalid');
  if (body.conclusion !== undefined && !conclusions.includes(String(body.conclusion))) return invalid('CheckRun', 'conclusion', 'invalid');
  if (body.status === 'completed' && body.conclusion === undefined && run.conclusion === null) {
    return invalid('CheckRun', 'conclusion', 'missing_field', 'conclusion is required when status is completed');
  }
  const output = body.output as { title?: unknown; summary?: unknown; text?: unknown; annotations?: unknown } | undefined;
  if (output) {
    if (typeof output.title !== 'string' || typeof output.summary !== 'string')
      return invalid('CheckRun', 'output', 'missing_field', 'output needs a title and a summary');
    if (output.summary.length > 65535)
      return invalid('CheckRun', 'output.summary', 'custom', 'summary is too long (maximum is 65535 characters)');
    const annotations = Array.isArray(output.annotations) ? (output.annotations as Record<string, unknown>[]) : [];
    if (annotations.length > annotationsPerRequest)
      return invalid('CheckRun', 'output.annotations', 'custom', `at most ${annotationsPerRequest} annotations per request`);
    for (const annotation of annotations) {
      const valid =
        typeof annotation.path === 'string' &&
        Number.isInteger(annotation.start_line) &&
        Number.isInteger(annotation.end_line) &&
        ['notice', 'warning', 'failure'].includes(String(annotation.annotation_level)) &&
        typeof annotation.message === 'string';
      if (!valid)
        return invalid(
          'CheckRun',
          'output.annotations',
          'invalid',
          'each annotation needs path, start_line, end_line, annotation_level and message',
        );
    }
    run.output = { title: output.title, summary: output.summary, text: text(output.text) };
    run.annotations.push(...annotations);
  }
  if (body.status !== undefined) run.status = String(body.status);
  if (body.conclusion !== undefined) {
    run.conclusion = String(body.conclusion);
    run.status = 'completed';
  }
  if (run.status === 'completed') run.completedAt = text(body.completed_at) ?? run.completedAt ?? new Date().toISOString();
  if (body.details_url !== undefined) run.detailsUrl = text(body.details_url);
  if (body.external_id !== undefined) run.externalId = text(body.external_id);
  return undefined;
}

function findDeployment(request: RouteRequest): StoredDeployment | undefined {
  return request.state.deployments.find((deployment) => deployment.id === Number(request.params.deployment_id));
}

export const feedbackRoutes: Route[] = [
  [
    'POST',
    '/repos/{owner}/{repo}/check-runs',
    (request) => {
      const body = request.json();
      if (typeof body.name !== 'string' || typeof body.head_sha !== 'string')
        return invalid('CheckRun', 'name', 'missing_field', 'name and head_sha are required');
      const run: StoredCheckRun = {
        id: request.nextId(),
        name: body.name,
        headSha: body.head_sha,
        status: 'queued',
        conclusion: null,
        detailsUrl: null,
        externalId: null,
        startedAt: text(body.started_at) ?? new Date().toISOString(),
        completedAt: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
      };
      const refused = applyCheckRun(run, body);
      if (refused) return refused;
      request.state.checkRuns.push(run);
      request.changed();
      return { status: 201, body: checkRunObject(request.site, run) };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    (request) => {
      const run = request.state.checkRuns.find((candidate) => candidate.id === Number(request.params.check_run_id));
      if (!run) return notFound();
      const refused = applyCheckRun(run, request.json());
      if (refused) return refused;
      request.changed();
      return { status: 200, body: checkRunObject(request.site, run) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    (request) => {
      const runs = request.state.checkRuns.filter((run) => run.headSha === request.params.ref).reverse();
      return { status: 200, body: { total_count: runs.length, check_runs: runs.map((run) => checkRunObject(request.site, run)) } };
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/statuses/{sha}',
    (request) => {
      const body = request.json();
      if (!statusStates.includes(String(body.state))) return invalid('Status', 'state', 'invalid');
      const status: StoredStatus = {
        id: request.nextId(),
        sha: request.params.sha,
        state: String(body.state),
        context: text(body.context) ?? 'default',
        description: text(body.description),
        targetUrl: text(body.target_url),
        createdAt: new Date().toISOString(),
      };
      request.state.statuses.push(status);
      request.changed();
      return { status: 201, body: statusObject(request.site, status) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/deployments',
    (request) => {
      const environment = request.query.get('environment');
      const found = request.state.deployments.filter((deployment) => !environment || deployment.environment === environment).reverse();
      return page(
        found.map((deployment) => deploymentObject(request.site, deployment)),
        request.query,
        request.site,
        '/deployments',
      );
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/deployments',
    (request) => {
      const body = request.json();
      if (typeof body.ref !== 'string' || body.ref === '') return invalid('Deployment', 'ref', 'missing_field');
      const deployment: StoredDeployment = {
        id: request.nextId(),
        sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : '0'.repeat(40),
        ref: body.ref,
        task: text(body.task) ?? 'deploy',
        environment: text(body.environment) ?? 'production',
        description: text(body.description),
        payload: (body.payload as Record<string, unknown>) ?? {},
        transient: body.transient_environment === true,
        production: body.production_environment === true,
        createdAt: new Date().toISOString(),
        statuses: [],
      };
      request.state.deployments.push(deployment);
      request.changed();
      return { status: 201, body: deploymentObject(request.site, deployment) };
    },
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    (request) => {
      const deployment = findDeployment(request);
      if (!deployment) return notFound();
      const statuses = deployment.statuses
        .slice()
        .reverse()
        .map((status) => deploymentStatusObject(request.site, deployment, status));
      return page(statuses, request.query, request.site, `/deployments/${deployment.id}/statuses`);
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    (request) => {
      const deployment = findDeployment(request);
      if (!deployment) return notFound();
      const body = request.json();
      if (!deploymentStates.includes(String(body.state))) return invalid('DeploymentStatus', 'state', 'invalid');
      const status = {
        id: request.nextId(),
        state: String(body.state),
        description: text(body.description) ?? '',
        environmentUrl: text(body.environment_url) ?? '',
        logUrl: text(body.log_url) ?? '',
        createdAt: new Date().toISOString(),
      };
      deployment.statuses.push(status);
      // As GitHub's auto_inactive: a success makes the environment's earlier successful deployments inactive.
      if (status.state === 'success' && body.auto_inactive !== false && !deployment.transient) {
        for (const earlier of request.state.deployments) {
          if (earlier === deployment || earlier.environment !== deployment.environment || earlier.statuses.at(-1)?.state !== 'success')
            continue;
          earlier.statuses.push({
            ...earlier.statuses.at(-1)!,
            id: request.nextId(),
            state: 'inactive',
            description: `superseded by deployment ${deployment.id}`,
            createdAt: status.createdAt,
          });
        }
      }
      request.changed();
      return { status: 201, body: deploymentStatusObject(request.site, deployment, status) };
    },
  ],
  // The embedded forge has no pull requests: a commit is in none.
  ['GET', '/repos/{owner}/{repo}/commits/{commit_sha}/pulls', () => ({ status: 200, body: [] })],
  [
    'GET',
    '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    (request) => {
      const issue = Number(request.params.issue_number);
      const comments = request.state.comments
        .filter((comment) => comment.issue === issue)
        .map((comment) => commentObject(request.site, comment));
      return page(comments, request.query, request.site, `/issues/${issue}/comments`);
    },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    (request) => {
      const body = request.json();
      if (typeof body.body !== 'string' || body.body === '') return invalid('IssueComment', 'body', 'missing_field');
      const now = new Date().toISOString();
      const comment = { id: request.nextId(), issue: Number(request.params.issue_number), body: body.body, createdAt: now, updatedAt: now };
      request.state.comments.push(comment);
      request.changed();
      return { status: 201, body: commentObject(request.site, comment) };
    },
  ],
  [
    'PATCH',
    '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    (request) => {
      const comment = request.state.comments.find((candidate) => candidate.id === Number(request.params.comment_id));
      if (!comment) return notFound();
      const body = request.json();
      if (typeof body.body !== 'string' || body.body === '') return invalid('IssueComment', 'body', 'missing_field');
      comment.body = body.body;
      comment.updatedAt = new Date().toISOString();
      request.changed();
      return { status: 200, body: commentObject(request.site, comment) };
    },
  ],
];
