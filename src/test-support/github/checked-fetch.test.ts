import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractCheckedFetch } from './checked-fetch.ts';
import { GitHubContract } from './contract.ts';

const examples = JSON.parse(readFileSync(new URL('contract-examples.json', import.meta.url), 'utf8')) as {
  rest: Record<string, Record<string, unknown>>;
};
const createdRelease = examples.rest['POST /repos/{owner}/{repo}/releases 201'];
const createRelease = 'POST /repos/{owner}/{repo}/releases (repos/create-release)';

/**
 * A loopback server answering a few routes the way a test wants (GitHub's shape or not); every
 * request it gets is kept with its body, to show the checked fetch sent it unchanged.
 */
let server: Server;
let baseUrl: string;
const received: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[] = [];
const routes: Record<string, (response: ServerResponse) => void> = {
  'POST /repos/octo/app/releases': (response) => json(response, 201, createdRelease),
  'POST /repos/octo/old/releases': (response) => json(response, 201, { id: 1, tag_name: 'v1.0.0', draft: true }),
  'POST /repos/octo/app/releases/1/assets': (response) => json(response, 201, (createdRelease.assets as Record<string, unknown>[])[0]),
  'GET /repos/octo/app/releases/assets/1': (response) => response.writeHead(302, { location: '/download/release-manifest.json' }).end(),
  'GET /download/release-manifest.json': (response) => response.writeHead(200, { 'content-type': 'application/octet-stream' }).end('{}'),
  'GET /repos/octo/dropped': (response) => response.socket?.destroy(),
};

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, body: Buffer.concat(chunks).toString(), headers: request.headers });
      const route = routes[`${request.method} ${new URL(request.url!, 'http://loopback').pathname}`];
      if (route) route(response);
      else json(response, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function checkedOctokit() {
  const checked = contractCheckedFetch(GitHubContract.load());
  return { checked, octokit: new Octokit({ baseUrl, request: { fetch: checked } }) };
}

describe('contractCheckedFetch as Octokit’s fetch', () => {
  it('records a valid exchange without problems, and Octokit still reads the response body', async () => {
    const { checked, octokit } = checkedOctokit();
    const response = await octokit.request('POST /repos/{owner}/{repo}/releases', {
      owner: 'octo',
      repo: 'app',
      tag_name: 'v1.0.0',
      draft: true,
    });
    expect(response.data.tag_name).toBe(createdRelease.tag_name);
    expect(JSON.parse(received.at(-1)!.body)).toEqual({ tag_name: 'v1.0.0', draft: true });
    expect(checked.exchanges).toEqual([{ method: 'POST', url: `${baseUrl}/repos/octo/app/releases`, status: 201, problems: [] }]);
    expect(checked.problems).toEqual([]);
  });

  it('records what is wrong with the request and with the response, naming the operation', async () => {
    const { checked, octokit } = checkedOctokit();
    // Octokit's types would refuse a release without tag_name; data built at run time can still lack it.
    const parameters = { owner: 'octo', repo: 'old', name: 'no tag' } as unknown as { owner: string; repo: string; tag_name: string };
    const response = await octokit.request('POST /repos/{owner}/{repo}/releases', parameters);
    expect(response.status).toBe(201);
    expect(checked.problems).toContain(`${createRelease}: request body (root) must have required property 'tag_name'`);
    expect(checked.problems).toContain(`${createRelease}: response 201 body (root) must have required property 'upload_url'`);
    expect(checked.problems).toContain(`${createRelease}: response 201 body (root) must have required property 'author'`);
  });

  it('checks an asset upload sent as Octokit sends it: bytes, with the headers GitHub requires', async () => {
    const { checked, octokit } = checkedOctokit();
    const data = new TextEncoder().encode('{"version":1}');
    // As rest-endpoint-methods' uploadReleaseAsset does: the same route, on the uploads origin.
    await octokit.request('POST /repos/{owner}/{repo}/releases/{release_id}/assets{?name,label}', {
      baseUrl,
      owner: 'octo',
      repo: 'app',
      release_id: 1,
      name: 'release-manifest.json',
      data: data as unknown as string,
      headers: { 'content-type': 'application/json', 'content-length': data.length },
    });
    expect(received.at(-1)).toMatchObject({ url: expect.stringMatching(/\?name=release-manifest\.json/), body: '{"version":1}' });
    expect(checked.problems).toEqual([]);
  });

  it('records the redirect of an asset download without checking the file against the operation', async () => {
    const { checked, octokit } = checkedOctokit();
    await octokit.request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
      owner: 'octo',
      repo: 'app',
      asset_id: 1,
      headers: { accept: 'application/octet-stream' },
    });
    expect(checked.exchanges).toEqual([
      {
        method: 'GET',
        url: `${baseUrl}/repos/octo/app/releases/assets/1`,
        status: 200,
        redirectedTo: `${baseUrl}/download/release-manifest.json`,
        problems: [],
      },
    ]);
  });

  it('records a dropped connection (GET /repos/octo/dropped: the server closes the socket) and lets the caller see the failure', async () => {
    const { checked } = checkedOctokit();
    await expect(checked(`${baseUrl}/repos/octo/dropped`)).rejects.toThrow('fetch failed');
    expect(checked.exchanges).toEqual([
      {
        method: 'GET',
        url: `${baseUrl}/repos/octo/dropped`,
        error: 'fetch failed',
        problems: [],
      },
    ]);
  });
});
