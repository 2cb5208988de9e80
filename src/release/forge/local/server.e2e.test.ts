import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { freePort } from '../../../shared/net.ts';
import { manifestAssetName } from '../forge.ts';
import { gitHubClient } from '../github/client.ts';
import { GitHubForge } from '../github/github-forge.ts';
import { MemoryDeliveryLog } from '../webhooks/delivery-log.ts';
import { startWebhookReceiver } from '../webhooks/receiver.ts';
import { startLocalGitHub, type LocalGitHub } from './server.ts';

const commit = 'c0ffee'.padEnd(40, '0');
const secret = 'hook-secret';
const quickRetries = { attempts: 2, backoffMs: 10, timeoutMs: 2000 };
let dir: string;
const servers: LocalGitHub[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-embedded-forge-'));
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function forgeWith(hooks: { url: string; secret: string }[]) {
  const server = await startLocalGitHub({ dir, repository: 'acme/embark', hooks, retry: quickRetries });
  servers.push(server);
  return {
    server,
    forge: new GitHubForge(gitHubClient({ baseUrl: server.url, auth: { token: server.token }, throttle: false }), 'acme/embark'),
  };
}

const draft = {
  tag: 'v1.5.0',
  name: 'embark v1.5.0',
  body: '',
  commit,
  assets: [{ name: manifestAssetName, contentType: 'application/json', data: Buffer.from('{}') }],
};

describe('the embedded forge', () => {
  it('keeps its releases for the next start, and stores neither its token nor a webhook secret', async () => {
    const first = await forgeWith([{ url: 'http://127.0.0.1:9/', secret }]);
    await first.forge.createDraftRelease(draft);
    await first.server.close();
    servers.splice(0);
    const second = await forgeWith([]);
    expect((await second.forge.listReleases()).map((release) => release.tag)).toEqual(['v1.5.0']);
    const stored = await readFile(join(dir, 'github.json'), 'utf8');
    expect(stored).not.toContain(first.server.token);
    expect(stored).not.toContain(second.server.token);
    expect(stored).not.toContain(secret);
  });

  it('keeps the release when the receiver is down, and says which delivery failed and why', async () => {
    const down = `http://127.0.0.1:${await freePort()}/`;
    const { server, forge } = await forgeWith([{ url: down, secret }]);
    await forge.createDraftRelease(draft);
    await server.idle();
    expect((await forge.findRelease('v1.5.0'))?.draft).toBe(true);
    const [failed] = server.failedDeliveries();
    expect(failed).toMatchObject({ event: 'release', action: 'created', url: down, delivered: false, attempts: 2 });
    expect(failed.lastError).toMatch(/^Webhook delivery to http:\/\/127\.0\.0\.1:\d+\/ failed after 2 attempts: ECONNREFUSED/);
    expect((await server.deliveries()).map((delivery) => delivery.delivered)).toEqual([false]);
  });

  it('records a receiver that refuses the signature once, without retrying it', async () => {
    const receiver = await startWebhookReceiver({
      secrets: ['another-secret'],
      seen: new MemoryDeliveryLog(),
      onEvent: async () => undefined,
    });
    try {
      const { server, forge } = await forgeWith([{ url: receiver.url, secret }]);
      await forge.createDraftRelease(draft);
      await server.idle();
      const [failed] = server.failedDeliveries();
      expect(failed).toMatchObject({ attempts: 1, delivered: false });
      expect(failed.lastError).toMatch(/refused the release delivery with 401$/);
    } finally {
      await receiver.close();
    }
  });

  it('names a store that is not JSON when it starts, instead of failing every request', async () => {
    await writeFile(join(dir, 'github.json'), '{"releases": [');
    const failure = await failureOf(startLocalGitHub({ dir, repository: 'acme/embark', hooks: [] }));
    expect(failure.specific).toContain(join(dir, 'github.json'));
    expect(failure.hint ?? failure.details.join(' ')).toMatch(/restore it, or remove it to start with no releases/);
  });
});

describe('the embedded forge served by two processes at once', () => {
  it('loses no change when two servers of one repository write its state together', async () => {
    const [one, two] = [await forgeWith([]), await forgeWith([])];
    const comment = (server: LocalGitHub, n: number) =>
      gitHubClient({ baseUrl: server.url, auth: { token: server.token }, throttle: false }).rest.issues.createComment({
        owner: 'acme',
        repo: 'embark',
        issue_number: 7,
        body: `comment ${n}`,
      });
    await Promise.all(Array.from({ length: 30 }, (_, n) => comment(n % 2 ? one.server : two.server, n)));
    const stored = JSON.parse(await readFile(join(dir, 'github.json'), 'utf8')) as { comments: { body: string }[] };
    expect(stored.comments.map((entry) => entry.body).sort()).toEqual(Array.from({ length: 30 }, (_, n) => `comment ${n}`).sort());
  });
});
