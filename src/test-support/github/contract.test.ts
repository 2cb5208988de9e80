import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { GitHubContract } from './contract.ts';

/** GitHub's own examples, cut from the same packages as the contract (scripts/refresh-github-contract.ts). */
const examples = JSON.parse(readFileSync(new URL('contract-examples.json', import.meta.url), 'utf8')) as {
  rest: Record<string, Record<string, unknown>>;
  webhooks: Record<string, Record<string, unknown>>;
};
const createdRelease = examples.rest['POST /repos/{owner}/{repo}/releases 201'];
const createdCheckRun = examples.rest['POST /repos/{owner}/{repo}/check-runs 201'];
const checkRunCreated = examples.webhooks['check_run.created'];
const recordedReleaseCreated = examples.webhooks['release.created'];

const contract = GitHubContract.load();

const createRelease = 'POST /repos/{owner}/{repo}/releases (repos/create-release)';
const createCheckRun = 'POST /repos/{owner}/{repo}/check-runs (checks/create)';
const uploadAsset = 'POST /repos/{owner}/{repo}/releases/{release_id}/assets (repos/upload-release-asset)';
const releaseCreated = 'release.created webhook (release-created)';
const checkRunCreatedHook = 'check_run.created webhook (check-run-created)';

/** The headers GitHub sends with a delivery, the signature computed as GitHub computes it: over the body alone. */
async function githubHeaders(event: string, payload: unknown): Promise<Record<string, string>> {
  return {
    'user-agent': 'GitHub-Hookshot/4f1b3a1',
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': randomUUID(),
    'x-github-hook-id': '12312312',
    'x-github-hook-installation-target-id': '123123',
    'x-github-hook-installation-target-type': 'repository',
    'x-hub-signature-256': await sign('contract-secret', JSON.stringify(payload)),
  };
}

describe('GitHub contract: GitHub’s own examples pass', () => {
  it('records which package versions it was cut from', () => {
    expect(contract.sources.rest.package).toBe('@octokit/openapi');
    expect(contract.sources.webhooks.package).toBe('@octokit/openapi-webhooks');
    expect(contract.sources.rest.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('accepts the create-release 201 example, with GitHub’s content type', () => {
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    expect(
      contract.checkResponse({
        method: 'POST',
        url: 'https://api.github.com/repos/octocat/Hello-World/releases',
        status: 201,
        headers,
        body: createdRelease,
      }),
    ).toEqual([]);
  });

  it('accepts the create-check-run 201 example, given as the JSON text that went over the wire', () => {
    expect(
      contract.checkResponse({
        method: 'POST',
        url: '/repos/github/hello-world/check-runs',
        status: 201,
        body: JSON.stringify(createdCheckRun),
      }),
    ).toEqual([]);
  });

  it('accepts the check_run.created delivery example with the headers GitHub sends', async () => {
    expect(
      contract.checkWebhook({ event: 'check_run', payload: checkRunCreated, headers: await githubHeaders('check_run', checkRunCreated) }),
    ).toEqual([]);
  });

  it('accepts a recorded release.created delivery once given the two fields GitHub has added to releases since it was recorded', () => {
    // @octokit/webhooks-examples recorded this delivery before GitHub's immutable releases; the
    // contract is current, so exactly those two fields are missing, and nothing else.
    expect(contract.checkWebhook({ event: 'release', payload: recordedReleaseCreated })).toEqual([
      `${releaseCreated}: payload /release must have required property 'immutable'`,
      `${releaseCreated}: payload /release must have required property 'updated_at'`,
    ]);
    const release = recordedReleaseCreated.release as Record<string, unknown>;
    const current = { ...recordedReleaseCreated, release: { ...release, immutable: false, updated_at: release.created_at } };
    expect(contract.checkWebhook({ event: 'release', payload: current })).toEqual([]);
  });

  it('accepts a valid request: create a release with the body GitHub documents', () => {
    const body = JSON.stringify({ tag_name: 'v1.0.0', target_commitish: 'main', name: 'v1.0.0', draft: true, prerelease: false });
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    expect(contract.checkRequest({ method: 'POST', url: 'http://127.0.0.1:4000/repos/octo/app/releases', headers, body })).toEqual([]);
  });
});

describe('GitHub contract: what is not GitHub’s shape is named precisely', () => {
  it('rejects the old Slipway release payload, naming repository, sender and release.url', () => {
    const oldPayload = {
      action: 'created',
      release: {
        id: 1,
        tag_name: 'v1.0.0',
        target_commitish: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
        name: 'x',
        body: '',
        draft: true,
        prerelease: false,
        created_at: '2026-01-01T00:00:00.000Z',
        published_at: null,
      },
      slipway: { manifest: { version: 1 } },
    };
    const problems = contract.checkWebhook({ event: 'release', payload: oldPayload });
    expect(problems).toContain(`${releaseCreated}: payload (root) must have required property 'repository'`);
    expect(problems).toContain(`${releaseCreated}: payload (root) must have required property 'sender'`);
    expect(problems).toContain(`${releaseCreated}: payload /release must have required property 'url'`);
    expect(problems).toContain(`${releaseCreated}: payload /release must have required property 'author'`);
    expect(problems).toContain(`${releaseCreated}: payload /release must have required property 'assets'`);
  });

  it('rejects a status the operation does not document', () => {
    expect(contract.checkResponse({ method: 'POST', url: '/repos/octo/app/releases', status: 200, body: createdRelease })).toEqual([
      `${createRelease}: status 200 is not one GitHub documents for this operation (201, 404, 422; any operation may also answer 401, 403, 429 or 5xx)`,
    ]);
  });

  it('rejects a create-release request without tag_name', () => {
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/releases', body: { name: 'v1.0.0', draft: true } })).toEqual([
      `${createRelease}: request body (root) must have required property 'tag_name'`,
    ]);
  });

  it('rejects a check-run annotation whose start_line is a string', () => {
    const annotation = {
      path: 'src/a.test.ts',
      start_line: '12',
      end_line: 12,
      annotation_level: 'failure',
      message: 'expected 2 to be 3',
    };
    const body = {
      name: 'slipway',
      head_sha: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
      output: { title: 'Tests', summary: '1 failed', annotations: [annotation] },
    };
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/check-runs', body })).toEqual([
      `${createCheckRun}: request body /output/annotations/0/start_line must be integer`,
    ]);
  });

  it('rejects a value outside an enum, listing the values GitHub allows', () => {
    const body = { name: 'slipway', head_sha: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', status: 'running' };
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/check-runs', body })).toEqual([
      `${createCheckRun}: request body /status must be equal to one of the allowed values ("queued", "in_progress", "completed")`,
    ]);
  });

  it('rejects a path that is not an operation the contract knows', () => {
    expect(contract.checkRequest({ method: 'GET', url: 'http://127.0.0.1:4000/repos/a/b/foo' })).toEqual([
      "GET /repos/a/b/foo is not an operation Slipway's contract knows",
    ]);
    expect(contract.checkResponse({ method: 'GET', url: '/repos/a/b/foo', status: 200, body: {} })).toEqual([
      "GET /repos/a/b/foo is not an operation Slipway's contract knows",
    ]);
  });

  it('rejects a method the path does not have, naming the ones it has', () => {
    expect(contract.checkRequest({ method: 'PUT', url: '/repos/a/b/releases/1' })).toEqual([
      "PUT /repos/a/b/releases/1 is not an operation Slipway's contract knows (on /repos/{owner}/{repo}/releases/{release_id} it knows GET, PATCH)",
    ]);
  });

  it('rejects a malformed signature header, and each other header GitHub would send otherwise', () => {
    const headers = {
      ...{ 'x-github-hook-id': '1', 'x-github-hook-installation-target-id': '2', 'x-github-hook-installation-target-type': 'repository' },
      'user-agent': 'node-fetch/1.0',
      'content-type': 'application/x-www-form-urlencoded',
      'x-github-event': 'release',
      'x-github-delivery': 'delivery-7',
      'x-hub-signature-256': 'sha256=1700000000.abc',
    };
    expect(contract.checkWebhook({ event: 'check_run', payload: checkRunCreated, headers })).toEqual([
      `${checkRunCreatedHook}: header x-github-event is "release"; the payload is a check_run delivery`,
      `${checkRunCreatedHook}: header x-github-delivery "delivery-7" is not a GUID`,
      `${checkRunCreatedHook}: header x-hub-signature-256 "sha256=1700000000.abc" is not "sha256=" and 64 lowercase hex digits`,
      `${checkRunCreatedHook}: header user-agent "node-fetch/1.0" does not start with "GitHub-Hookshot/"`,
      `${checkRunCreatedHook}: header content-type is "application/x-www-form-urlencoded"; GitHub sends application/json`,
    ]);
  });

  it('names each header GitHub’s description requires of a delivery when it is missing', async () => {
    const { 'x-hub-signature-256': _signature, 'x-github-hook-id': _hookId, ...rest } = await githubHeaders('check_run', checkRunCreated);
    expect(contract.checkWebhook({ event: 'check_run', payload: checkRunCreated, headers: rest })).toEqual([
      `${checkRunCreatedHook}: header x-github-hook-id is missing`,
      `${checkRunCreatedHook}: header x-hub-signature-256 is missing`,
    ]);
  });

  it('rejects a delivery for an event or action the contract does not know', () => {
    expect(contract.checkWebhook({ event: 'constructor', payload: {} })[0]).toMatch(
      /^constructor webhook without an action is not a delivery/,
    );
    expect(contract.checkWebhook({ event: 'release', payload: {} })[0]).toMatch(
      /^release webhook without an action is not a delivery Slipway's contract knows/,
    );
    expect(contract.checkWebhook({ event: 'release', payload: { action: 'deleted' } })[0]).toMatch(
      /^release webhook with action "deleted" is not a delivery Slipway's contract knows \(it knows release\.created, .*repository_dispatch/,
    );
  });

  it('checks a repository_dispatch of any event type against GitHub’s one description of it', () => {
    const payload = { action: 'slipway-release', branch: 'main', repository: {}, sender: {}, installation: {} };
    expect(contract.checkWebhook({ event: 'repository_dispatch', payload })).toContain(
      "repository_dispatch webhook (repository-dispatch-sample.collected): payload (root) must have required property 'client_payload'",
    );
  });
});

describe('GitHub contract: parameters', () => {
  it('rejects a path parameter of the wrong type', () => {
    expect(contract.checkRequest({ method: 'GET', url: '/repos/octo/app/releases/latest' })).toEqual([
      'GET /repos/{owner}/{repo}/releases/{release_id} (repos/get-release): path parameter release_id "latest": must be integer',
    ]);
  });

  it('rejects a query parameter of the wrong type and one GitHub does not document', () => {
    expect(contract.checkRequest({ method: 'GET', url: '/repos/octo/app/releases?per_page=all&draft=true' })).toEqual([
      'GET /repos/{owner}/{repo}/releases (repos/list-releases): query parameter draft is not one GitHub documents for this operation',
      'GET /repos/{owner}/{repo}/releases (repos/list-releases): query parameter per_page "all": must be integer',
    ]);
    expect(contract.checkRequest({ method: 'GET', url: '/repos/octo/app/releases?per_page=100&page=2' })).toEqual([]);
  });

  it('matches a git ref over several segments, as GitHub marks it (x-multi-segment), encoded or not', () => {
    expect(contract.checkRequest({ method: 'GET', url: '/repos/octo/app/git/ref/heads/main' })).toEqual([]);
    expect(contract.checkRequest({ method: 'GET', url: '/repos/octo/app/git/ref/heads%2Fmain' })).toEqual([]);
  });

  it('prefers the template with more fixed segments: /releases/tags/assets is a tag named "assets"', () => {
    expect(contract.checkResponse({ method: 'GET', url: '/repos/octo/app/releases/tags/assets', status: 418, body: {} })).toEqual([
      'GET /repos/{owner}/{repo}/releases/tags/{tag} (repos/get-release-by-tag): status 418 is not one GitHub documents for this operation (200, 404; any operation may also answer 401, 403, 429 or 5xx)',
    ]);
  });
});

describe('GitHub contract: bodies and statuses', () => {
  it('treats OpenAPI 3.0 nullable as allowing null, and nothing else', () => {
    const headers = { 'content-type': 'application/json' };
    const nullName = { ...createdRelease, name: null, body: null };
    expect(contract.checkResponse({ method: 'GET', url: '/repos/octo/app/releases/1', status: 200, headers, body: nullName })).toEqual([]);
    const nullTag = { ...createdRelease, tag_name: null };
    expect(contract.checkResponse({ method: 'GET', url: '/repos/octo/app/releases/1', status: 200, headers, body: nullTag })).toEqual([
      'GET /repos/{owner}/{repo}/releases/{release_id} (repos/get-release): response 200 body /tag_name must be string',
    ]);
  });

  it('allows extra properties where GitHub’s schema does, and keeps every limit it sets', () => {
    // No schema in this subset forbids extra properties (GitHub adds fields over time), but the
    // limits it states hold: a dispatch's client_payload has at most 10 top-level properties.
    const withExtra = { ...createdRelease, slipway_manifest: {} };
    expect(contract.checkResponse({ method: 'POST', url: '/repos/octo/app/releases', status: 201, body: withExtra })).toEqual([]);
    const dispatch = (properties: number) => ({
      event_type: 'slipway-release',
      client_payload: Object.fromEntries(Array.from({ length: properties }, (_, index) => [`key${index}`, index])),
    });
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/dispatches', body: dispatch(10) })).toEqual([]);
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/dispatches', body: dispatch(11) })).toEqual([
      'POST /repos/{owner}/{repo}/dispatches (repos/create-dispatch-event): request body /client_payload must NOT have more than 10 properties',
    ]);
  });

  it('checks a rate-limit 403 or a 429 against GitHub’s error body, and lets a 5xx body be', () => {
    const rateLimited = { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/rate-limit' };
    expect(contract.checkResponse({ method: 'POST', url: '/repos/octo/app/check-runs', status: 429, body: rateLimited })).toEqual([]);
    expect(contract.checkResponse({ method: 'POST', url: '/repos/octo/app/check-runs', status: 403, body: { message: 42 } })).toEqual([
      `${createCheckRun}: response 403 body /message must be string`,
    ]);
    expect(
      contract.checkResponse({ method: 'POST', url: '/repos/octo/app/check-runs', status: 502, body: '<html>Unicorn!</html>' }),
    ).toEqual([]);
  });

  it('rejects a JSON response that is not JSON, or not labelled as JSON', () => {
    const url = '/repos/octo/app/releases';
    expect(contract.checkResponse({ method: 'POST', url, status: 201, body: '' })).toEqual([
      `${createRelease}: response 201 body is empty; GitHub documents a JSON body`,
    ]);
    expect(contract.checkResponse({ method: 'POST', url, status: 201, body: 'created' })[0]).toMatch(
      /^POST \/repos\/\{owner\}\/\{repo\}\/releases \(repos\/create-release\): response 201 body is not JSON \(.+\): "created"$/,
    );
    expect(
      contract.checkResponse({ method: 'POST', url, status: 201, headers: { 'Content-Type': 'text/plain' }, body: createdRelease }),
    ).toEqual([`${createRelease}: response 201 content-type is "text/plain"; GitHub sends application/json`]);
  });

  it('rejects a missing body where one is required, and a body where none is documented', () => {
    expect(contract.checkRequest({ method: 'POST', url: '/repos/octo/app/dispatches' })).toEqual([
      'POST /repos/{owner}/{repo}/dispatches (repos/create-dispatch-event): the request has no body; GitHub requires one',
    ]);
    expect(contract.checkRequest({ method: 'DELETE', url: '/repos/octo/app/releases/assets/3', body: '{}' })).toEqual([
      'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id} (repos/delete-release-asset): the request has a body; GitHub documents none for this operation',
    ]);
  });

  it('checks an asset upload’s headers and query instead of its bytes', () => {
    const bytes = new TextEncoder().encode('{"not":"checked as JSON"}');
    const headers = { 'content-type': 'application/json', 'content-length': String(bytes.length) };
    expect(
      contract.checkRequest({ method: 'POST', url: '/repos/octo/app/releases/1/assets?name=release-manifest.json', headers, body: bytes }),
    ).toEqual([]);
    expect(
      contract.checkRequest({
        method: 'POST',
        url: '/repos/octo/app/releases/1/assets',
        headers: { 'content-type': 'application/zip' },
        body: bytes,
      }),
    ).toEqual([
      `${uploadAsset}: required query parameter name is missing`,
      `${uploadAsset}: the upload has no content-length header; GitHub requires it`,
    ]);
  });
});
