import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { blobPath, buildServiceImage, type BuiltImage } from '../image/index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';
import { exec } from '../../shared/exec.ts';
import { freePort, waitFor } from '../../shared/net.ts';
import { pushImage } from '../image/index.ts';
import { RegistryClient } from './index.ts';
import { REGISTRY_BINARY } from './local-registry.ts';

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * The real registry in token-auth mode, as ghcr.io works: it answers 401 with a Bearer challenge
 * and trusts ES256 tokens signed by a test token service whose certificate it was given.
 */
describe('pushing to a registry that wants bearer tokens', () => {
  let dir: string;
  let image: BuiltImage;
  let registry: ChildProcess;
  let registryUrl: string;
  let tokenServer: http.Server;
  const tokenRequests: { authorization?: string; scopes: string[] }[] = [];
  // The registry's challenge lists the scopes it wants in no fixed order, and the client asks for
  // them as challenged: each request's scopes are compared as a set.
  const scopeSets = (requests: { scopes: string[] }[]) => requests.map((request) => [...request.scopes].sort().join(' '));
  /** Who may do what: ci anything; frontend-ci only the embark/frontend* repositories. */
  const users: Record<string, { password: string; may: (repository: string) => boolean }> = {
    ci: { password: 's3cret-token', may: () => true },
    'frontend-ci': { password: 's3cret-frontend', may: (repository) => repository.startsWith('embark/frontend') },
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-bearer-'));
    image = await buildServiceImage(await createTestImageSpec(dir));

    const keyFile = join(dir, 'token.key');
    const certFile = join(dir, 'token.crt');
    const made = await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=slipway-test-token',
    ]);
    expect(made.code, made.output).toBe(0);
    const key = createPrivateKey(await readFile(keyFile));
    const certificate = new X509Certificate(await readFile(certFile));

    tokenServer = http.createServer((request, response) => {
      const url = new URL(request.url!, 'http://token');
      const scopes = url.searchParams.getAll('scope');
      tokenRequests.push({ authorization: request.headers.authorization, scopes });
      const [username, password] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      const user = users[username];
      if (!user || user.password !== password) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      // As real token services do, grant what the user may have of what was asked, silently dropping the rest.
      const access = scopes
        .map((scope) => /^repository:(.+):([^:]+)$/.exec(scope))
        .filter((match) => match && user.may(match[1]))
        .map((match) => ({ type: 'repository', name: match![1], actions: match![2].split(',') }));
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certificate.raw.toString('base64')] }));
      const claims = base64url(
        JSON.stringify({
          iss: 'slipway-test',
          sub: 'ci',
          aud: 'slipway-registry',
          exp: now + 300,
          nbf: now - 10,
          iat: now,
          jti: randomUUID(),
          access,
        }),
      );
      const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: `${header}.${claims}.${base64url(signature)}` }));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const tokenPort = (tokenServer.address() as AddressInfo).port;

    const port = await freePort();
    registryUrl = `http://127.0.0.1:${port}`;
    const config = join(dir, 'registry.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'storage')}`,
        'http:',
        `  addr: 127.0.0.1:${port}`,
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        '    service: slipway-registry',
        '    issuer: slipway-test',
        `    rootcertbundle: ${certFile}`,
        '',
      ].join('\n'),
    );
    registry = spawn(REGISTRY_BINARY, ['serve', config], { stdio: 'ignore' });
    const up = await waitFor(() => fetch(`${registryUrl}/v2/`).then((response) => response.status === 401), 15_000);
    expect(up).toBe(true);
  });
  afterAll(async () => {
    if (registry.exitCode === null) {
      const exited = new Promise((resolve) => registry.once('exit', resolve));
      registry.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => tokenServer.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches a token with the basic credentials for the challenged scope and pushes', async () => {
    const client = new RegistryClient({ url: registryUrl, auth: { username: 'ci', password: 's3cret-token' } });
    const result = await pushImage({ image, client, repository: 'embark/backend', tags: ['1.4.0'] });
    expect(result).toMatchObject({ digest: image.manifestDigest, uploadedBlobs: 4, skippedBlobs: 0 });
    // One token per scope the registry challenged with.
    expect(tokenRequests.map((request) => request.scopes)).toEqual([
      ['repository:embark/backend:pull'],
      ['repository:embark/backend:pull,push'],
    ]);
    expect((await client.getManifest('embark/backend', '1.4.0')).digest).toBe(image.manifestDigest);
  });

  it('mounts into another repository with one token for pushing there and pulling from the source', async () => {
    tokenRequests.length = 0;
    const client = new RegistryClient({ url: registryUrl, auth: { username: 'ci', password: 's3cret-token' } });
    const result = await pushImage({ image, client, repository: 'embark/frontend', tags: ['1.4.0'], mountFrom: ['embark/backend'] });
    expect(result).toMatchObject({ digest: image.manifestDigest, mountedBlobs: 4, uploadedBlobs: 0, uploadedBytes: 0 });
    // The lookups in both repositories run at once, so their token requests come in either order.
    expect(scopeSets(tokenRequests).sort()).toEqual([
      'repository:embark/backend:pull',
      'repository:embark/backend:pull repository:embark/frontend:pull,push',
      'repository:embark/frontend:pull',
      'repository:embark/frontend:pull,push',
    ]);
    const inspect = await exec('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      'ci:s3cret-token',
      `docker://${registryUrl.slice(7)}/embark/frontend:1.4.0`,
    ]);
    expect(inspect.code, inspect.output).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifestDigest);
  });

  it('uploads instead of mounting when the credentials may not read the source repository', async () => {
    const client = new RegistryClient({ url: registryUrl, auth: { username: 'frontend-ci', password: 's3cret-frontend' } });
    const result = await pushImage({ image, client, repository: 'embark/frontend-next', tags: ['1.4.0'], mountFrom: ['embark/backend'] });
    expect(result).toMatchObject({ digest: image.manifestDigest, mountedBlobs: 0, uploadedBlobs: 4, skippedBlobs: 0 });
    // Asked directly to mount, the registry refuses the source (401 even with the narrowed token),
    // so the blob goes up in a plain upload session with a token for the target alone.
    tokenRequests.length = 0;
    const layer = image.layers[2];
    expect(
      await client.pushBlob('embark/frontend-other', layer.digest, blobPath(image.layoutDir, layer.digest), layer.size, {
        mountFrom: 'embark/backend',
      }),
    ).toBe('uploaded');
    expect(scopeSets(tokenRequests)).toEqual([
      'repository:embark/backend:pull repository:embark/frontend-other:pull,push',
      'repository:embark/frontend-other:pull,push',
    ]);
    expect(await client.hasBlob('embark/frontend-other', layer.digest)).toBe(true);
  });

  it("reports the token service's refusal without the password", async () => {
    const client = new RegistryClient({ url: registryUrl, auth: { username: 'ci', password: 'wrong-token' } });
    const error = await pushImage({ image, client, repository: 'embark/backend', tags: ['1.4.0'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Failure);
    const failure = error as Failure;
    expect(failure.specific).toBe(
      'registry refused the token request for repository:embark/backend:pull: 401 UNAUTHORIZED: bad credentials',
    );
    expect(failure.hint).toMatch(/check the registry credentials/);
    expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain('wrong-token');
  });
});
