import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { contractCheckedFetch, type CheckedFetch } from '../../../test-support/github/checked-fetch.ts';
import { GitHubContract } from '../../../test-support/github/contract.ts';
import { sampleManifest } from '../../../test-support/release-manifest-fixture.ts';
import { manifestAssetName, readReleaseManifest, type NewAsset } from '../forge.ts';
import { startLocalGitHub, type LocalGitHub } from '../local/server.ts';
import { MemoryDeliveryLog } from '../webhooks/delivery-log.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/receiver.ts';
import { gitHubClient, type GitHubClient } from './client.ts';
import { GitHubForge } from './github-forge.ts';

const commit = 'c0ffee'.padEnd(40, '0');
const secret = 'hook-secret';
let dir: string;
let server: LocalGitHub;
let receiver: WebhookReceiver;
let client: GitHubClient;
let forge: GitHubForge;
let received: { event: string; payload: Record<string, unknown> }[];
let checked: CheckedFetch;
const contract = GitHubContract.load();

function manifestAsset(tag: string, at = commit): NewAsset {
  return { name: manifestAssetName, contentType: 'application/json', data: Buffer.from(JSON.stringify(sampleManifest(tag, at))) };
}

function sbom(name: string): NewAsset {
  return { name, contentType: 'application/vnd.cyclonedx+json', data: Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX' })) };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-github-forge-'));
  received = [];
  receiver = await startWebhookReceiver({
    secrets: [secret],
    seen: new MemoryDeliveryLog(),
    onEvent: async (event, payload) => void received.push({ event, payload }),
  });
  server = await startLocalGitHub({ dir, repository: 'acme/embark', hooks: [{ url: receiver.url, secret }] });
  checked = contractCheckedFetch(contract);
  client = gitHubClient({ baseUrl: server.url, auth: { token: server.token }, throttle: false, fetch: checked });
  forge = new GitHubForge(client, 'acme/embark');
});

afterEach(async () => {
  // Every request Slipway made and every answer the embedded forge gave is GitHub's shape, and so is every webhook.
  expect(checked.problems).toEqual([]);
  expect(received.flatMap(({ event, payload }) => contract.checkWebhook({ event, payload }))).toEqual([]);
  await server.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GitHubForge against the embedded GitHub API', () => {
  it('creates a draft with every asset, finds it by listing though GitHub’s lookup by tag does not, and publishes it', async () => {
    const created = await forge.createDraftRelease({
      tag: 'v1.5.0',
      name: 'embark v1.5.0',
      body: '- faster',
      commit,
      assets: [manifestAsset('v1.5.0'), sbom('sbom-backend.cdx.json')],
    });
    expect(created).toMatchObject({ tag: 'v1.5.0', draft: true, prerelease: false, commit });
    expect(created.assets.map((asset) => asset.name)).toEqual([manifestAssetName, 'sbom-backend.cdx.json']);
    const byTag = await client.rest.repos
      .getReleaseByTag({ owner: 'acme', repo: 'embark', tag: 'v1.5.0' })
      .catch((error: { status: number }) => error.status);
    expect(byTag).toBe(404);
    const found = await forge.findRelease('v1.5.0');
    expect(found?.id).toBe(created.id);
    expect(await readReleaseManifest(forge, found!)).toEqual(sampleManifest('v1.5.0', commit));

    const published = await forge.publishRelease('v1.5.0');
    expect(published.draft).toBe(false);
    expect((await client.rest.repos.getReleaseByTag({ owner: 'acme', repo: 'embark', tag: 'v1.5.0' })).data.id).toBe(created.id);
    expect((await forge.publishRelease('v1.5.0')).draft).toBe(false);
  });

  it('creates a prerelease as one, and publishing keeps it a prerelease', async () => {
    const created = await forge.createDraftRelease({
      tag: 'v1.5.0-rc.0',
      name: 'embark v1.5.0-rc.0',
      body: '',
      commit,
      prerelease: true,
      assets: [manifestAsset('v1.5.0-rc.0')],
    });
    expect(created).toMatchObject({ tag: 'v1.5.0-rc.0', draft: true, prerelease: true });
    expect(await forge.publishRelease('v1.5.0-rc.0')).toMatchObject({ draft: false, prerelease: true });
    const { data } = await client.rest.repos.getReleaseByTag({ owner: 'acme', repo: 'embark', tag: 'v1.5.0-rc.0' });
    expect(data.prerelease).toBe(true);
  });

  it('delivers release created, release published and repository_dispatch webhooks, signed as GitHub signs them', async () => {
    await forge.createDraftRelease({ tag: 'v1.5.0', name: 'embark v1.5.0', body: '', commit, assets: [manifestAsset('v1.5.0')] });
    await forge.dispatch('slipway-release', { tag: 'v1.5.0', commit });
    await forge.publishRelease('v1.5.0');
    await server.idle();
    expect(received.map(({ event, payload }) => `${event} ${String(payload.action)}`)).toEqual([
      'release created',
      'repository_dispatch slipway-release',
      'release published',
    ]);
    const [created, dispatched] = received.map(({ payload }) => payload);
    expect(created).toMatchObject({
      release: { tag_name: 'v1.5.0', target_commitish: commit, draft: true },
      repository: { full_name: 'acme/embark' },
      sender: { login: 'github-actions[bot]' },
    });
    expect(dispatched).toMatchObject({ client_payload: { tag: 'v1.5.0', commit }, repository: { full_name: 'acme/embark' } });
    expect((await server.deliveries()).every((delivery) => delivery.delivered)).toBe(true);
  });

  it('sends each webhook with GitHub’s headers: event, delivery GUID, hook ids, Hookshot user agent and body-only signature', async () => {
    const captured: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const capture = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        captured.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/`;
    const other = await startLocalGitHub({ dir: join(dir, 'other'), repository: 'acme/embark', hooks: [{ url: hookUrl, secret }] });
    try {
      const otherForge = new GitHubForge(
        gitHubClient({ baseUrl: other.url, auth: { token: other.token }, throttle: false, fetch: checked }),
        'acme/embark',
      );
      await otherForge.createDraftRelease({ tag: 'v1.5.0', name: 'embark v1.5.0', body: '', commit, assets: [manifestAsset('v1.5.0')] });
      await otherForge.dispatch('slipway-release', { tag: 'v1.5.0', commit });
      await other.idle();
    } finally {
      await other.close();
      await new Promise<void>((resolve) => capture.close(() => resolve()));
    }
    expect(captured).toHaveLength(2);
    for (const { headers, body } of captured) {
      const event = String(headers['x-github-event']);
      expect(contract.checkWebhook({ event, payload: JSON.parse(body) as Record<string, unknown>, headers })).toEqual([]);
      expect(headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    }
  });

  it('is idempotent per tag: a resumed run attaches what is missing and makes no second release or event', async () => {
    await forge.createDraftRelease({ tag: 'v1.5.0', name: 'embark v1.5.0', body: '', commit, assets: [manifestAsset('v1.5.0')] });
    const again = await forge.createDraftRelease({
      tag: 'v1.5.0',
      name: 'embark v1.5.0',
      body: '',
      commit,
      assets: [manifestAsset('v1.5.0'), sbom('sbom-frontend.cdx.json')],
    });
    expect(again.assets.map((asset) => asset.name)).toEqual([manifestAssetName, 'sbom-frontend.cdx.json']);
    expect((await forge.listReleases()).map((release) => release.tag)).toEqual(['v1.5.0']);
    await server.idle();
    expect(received.filter(({ event }) => event === 'release')).toHaveLength(1);
  });

  it('refuses a second release of a tag for another commit, naming both', async () => {
    await forge.createDraftRelease({ tag: 'v1.5.0', name: 'embark v1.5.0', body: '', commit, assets: [manifestAsset('v1.5.0')] });
    const other = 'beef'.padEnd(40, '0');
    const failure = await failureOf(forge.createDraftRelease({ tag: 'v1.5.0', name: 'x', body: '', commit: other, assets: [] }));
    expect(failure.specific).toBe(`Release v1.5.0 already exists in acme/embark for ${commit}, not ${other}`);
    expect(failure.hint).toBe('A tag names one commit: bump the version to release another commit.');
  });

  it('appends a note to a release’s notes once, and says when the release is gone', async () => {
    await forge.createDraftRelease({ tag: 'v1.5.0', name: 'embark v1.5.0', body: '- faster', commit, assets: [manifestAsset('v1.5.0')] });
    await forge.publishRelease('v1.5.0');
    const note = '> **Rolled back** in prod on 2026-12-03 by ana: checkout answers 500. prod runs v1.4.0 again.';
    const annotated = await forge.annotateRelease('v1.5.0', note);
    expect(annotated.body).toBe(`- faster\n\n${note}`);
    expect(annotated.draft).toBe(false);
    expect((await forge.annotateRelease('v1.5.0', note)).body).toBe(`- faster\n\n${note}`);
    const { data } = await client.rest.repos.getReleaseByTag({ owner: 'acme', repo: 'embark', tag: 'v1.5.0' });
    expect(data.body).toBe(`- faster\n\n${note}`);
    expect(data.assets.map((asset) => asset.name)).toEqual([manifestAssetName]);

    const gone = await failureOf(forge.annotateRelease('v9.9.9', note));
    expect(gone.specific).toBe('Could not add a note to release v9.9.9 in acme/embark: it has no release v9.9.9');
  });

  it('lists releases past GitHub’s page size, newest first', async () => {
    for (let n = 0; n < 105; n++) {
      await client.rest.repos.createRelease({ owner: 'acme', repo: 'embark', tag_name: `v0.0.${n}`, draft: true });
    }
    const releases = await forge.listReleases();
    expect(releases).toHaveLength(105);
    expect(releases[0].tag).toBe('v0.0.104');
    expect((await forge.findRelease('v0.0.0'))?.tag).toBe('v0.0.0');
  });

  it('says which release is not Slipway’s, and which manifest does not belong to its release', async () => {
    await client.rest.repos.createRelease({ owner: 'acme', repo: 'embark', tag_name: 'v2.0.0', target_commitish: commit, draft: true });
    const bare = await forge.findRelease('v2.0.0');
    const missing = await failureOf(readReleaseManifest(forge, bare!));
    expect(missing.specific).toBe('acme/embark release v2.0.0 has no release.json asset, so it is not a release Slipway made');
    expect(missing.details).toEqual(['assets: none']);

    await forge.createDraftRelease({ tag: 'v3.0.0', name: 'x', body: '', commit, assets: [manifestAsset('v1.5.0')] });
    const swapped = await failureOf(readReleaseManifest(forge, (await forge.findRelease('v3.0.0'))!));
    expect(swapped.specific).toBe('acme/embark release v3.0.0: release.json is not a release manifest for this release');
    expect(swapped.details).toEqual(['tag is "v1.5.0", not the release\'s v3.0.0']);
  });

  it('names a token GitHub refuses, with the fix, and never the token', async () => {
    const stranger = new GitHubForge(
      gitHubClient({ baseUrl: server.url, auth: { token: 'ghp_not-a-token-it-knows' }, throttle: false }),
      'acme/embark',
    );
    const failure = await failureOf(stranger.listReleases());
    expect(failure.specific).toBe('Could not list the releases of acme/embark: GitHub answered 401');
    expect(failure.details[0]).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/embark\/releases\?per_page=100 answered 401: Bad credentials$/,
    );
    expect(failure.hint).toContain('GITHUB_TOKEN');
    expect(JSON.stringify(failure)).not.toContain('ghp_not-a-token-it-knows');
  });

  it('authenticates as a GitHub App installation: a JWT signed with the App’s key buys the token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const appServer = await startLocalGitHub({
      dir: join(dir, 'app'),
      repository: 'acme/embark',
      hooks: [],
      app: { id: 4242, installationId: 77, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    try {
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const asApp = new GitHubForge(
        gitHubClient({ baseUrl: appServer.url, auth: { appId: 4242, installationId: 77, privateKey: pem }, throttle: false }),
        'acme/embark',
      );
      expect(await asApp.listReleases()).toEqual([]);
      const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const impostor = new GitHubForge(
        gitHubClient({
          baseUrl: appServer.url,
          auth: { appId: 4242, installationId: 77, privateKey: otherKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
          throttle: false,
        }),
        'acme/embark',
      );
      const refused = await failureOf(impostor.listReleases());
      expect(refused.specific).toBe('Could not list the releases of acme/embark: GitHub answered 401');
      expect(JSON.stringify(refused)).not.toContain('PRIVATE KEY');
    } finally {
      await appServer.close();
    }
  });

  it('answers 404 for a repository it does not serve, which the adapter explains', async () => {
    const elsewhere = new GitHubForge(client, 'acme/other');
    const failure = await failureOf(elsewhere.listReleases());
    expect(failure.specific).toBe('Could not list the releases of acme/other: GitHub answered 404');
    expect(failure.hint).toContain('forge.repository');
  });
});
