import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { startFaultProxy, type FaultProxyOptions } from '../../../test-support/fault-proxy.ts';
import { startLocalGitHub, type LocalGitHub } from '../local/server.ts';
import { gitHubClient } from './client.ts';
import { GitHubForge } from './github-forge.ts';

let dir: string;
let server: LocalGitHub;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-github-faults-'));
  server = await startLocalGitHub({ dir, repository: 'acme/embark', hooks: [] });
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** GitHubForge through a proxy that faults the chosen requests; waits are scaled to ms so the test stays short. */
async function faultedForge(faults: FaultProxyOptions, options: { throttle?: boolean } = {}) {
  const proxy = await startFaultProxy(server.url, faults);
  stops.push(proxy.stop);
  const waits: string[] = [];
  const client = gitHubClient({
    baseUrl: proxy.url,
    auth: { token: server.token },
    throttle: options.throttle ?? false,
    retryUnitMs: 5,
    onWait: (message) => waits.push(message),
  });
  return { forge: new GitHubForge(client, 'acme/embark'), proxy, waits };
}

const listing = (method: string, url: string) => method === 'GET' && url.startsWith('/repos/acme/embark/releases');

describe('GitHubForge when GitHub misbehaves', () => {
  it('waits out a secondary rate limit (403 with retry-after) as GitHub asks, then carries on', async () => {
    const { forge, proxy, waits } = await faultedForge(
      {
        faults: 1,
        match: listing,
        mode: {
          status: 403,
          headers: { 'retry-after': '2' },
          body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        },
      },
      { throttle: true },
    );
    expect(await forge.listReleases()).toEqual([]);
    expect(waits).toEqual([expect.stringMatching(/^GitHub secondary rate limit on GET .*\/releases.*: waiting 2 s as it asks$/)]);
    expect(proxy.requests.filter((request) => request.startsWith('GET /repos/acme/embark/releases'))).toHaveLength(2);
  });

  it('gives up on a rate limit that lasts longer than it will wait, naming the status', async () => {
    const { forge } = await faultedForge(
      {
        faults: 5,
        match: listing,
        mode: {
          status: 403,
          headers: { 'retry-after': '3600' },
          body: { message: 'You have exceeded a secondary rate limit.' },
        },
      },
      { throttle: true },
    );
    const failure = await failureOf(forge.listReleases());
    expect(failure.specific).toBe('Could not list the releases of acme/embark: GitHub answered 403');
    expect(failure.details[0]).toMatch(/answered 403: You have exceeded a secondary rate limit\.$/);
  });

  it('retries 5xx answers and dropped connections, and succeeds when GitHub recovers', async () => {
    for (const mode of ['500', 'reset'] as const) {
      const { forge, proxy } = await faultedForge({ faults: 2, match: listing, mode });
      expect(await forge.listReleases()).toEqual([]);
      expect(proxy.requests).toHaveLength(3);
    }
  });

  it('reports a GitHub that stays unreachable as such, not as the developer’s fault', async () => {
    const { forge } = await faultedForge({ faults: 10, match: listing, mode: 'reset' });
    const failure = await failureOf(forge.listReleases());
    expect(failure.specific).toMatch(/^Could not list the releases of acme\/embark: GitHub could not be reached/);
    expect(failure.hint).toContain('githubstatus.com');
  });

  it('does not retry a 422, and lists GitHub’s validation errors', async () => {
    const { forge, proxy } = await faultedForge({
      faults: 1,
      match: (method, url) => method === 'POST' && url === '/repos/acme/embark/releases',
      mode: {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Release', code: 'custom', field: 'tag_name', message: 'tag_name is not a valid tag' }],
        },
      },
    });
    const failure = await failureOf(forge.createDraftRelease({ tag: 'v1..0', name: 'x', body: '', commit: 'a'.repeat(40), assets: [] }));
    expect(failure.specific).toBe('Could not create the draft release v1..0 in acme/embark: GitHub answered 422');
    expect(failure.details).toEqual([
      expect.stringMatching(/^POST .*\/repos\/acme\/embark\/releases answered 422: Validation Failed$/),
      '{"resource":"Release","code":"custom","field":"tag_name","message":"tag_name is not a valid tag"}',
    ]);
    expect(proxy.requests.filter((request) => request.startsWith('POST'))).toHaveLength(1);
    expect(await forge.listReleases()).toEqual([]);
  });

  it('replaces an asset whose upload was cut off, so the release is complete before it can be published', async () => {
    const { forge } = await faultedForge({
      faults: 1,
      match: (method, url) => method === 'POST' && url.includes('/assets?'),
      mode: 'torn',
    });
    const input = {
      tag: 'v1.5.0',
      name: 'x',
      body: '',
      commit: 'a'.repeat(40),
      assets: [{ name: 'release.json', contentType: 'application/json', data: Buffer.from(JSON.stringify({ big: 'x'.repeat(100_000) })) }],
    };
    const created = await forge.createDraftRelease(input);
    expect(created.assets).toEqual([expect.objectContaining({ name: 'release.json', size: input.assets[0].data.length })]);
  });
});
