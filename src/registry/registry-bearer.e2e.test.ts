import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Failure } from '../feedback/failure.ts';
import { buildServiceImage, type BuiltImage } from '../image/index.ts';
import { createTestImageSpec } from '../image/test-workspace.ts';
import { exec } from '../util/exec.ts';
import { freePort, waitFor } from '../util/net.ts';
import { pushImage, RegistryClient } from './index.ts';
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
  const tokenRequests: { authorization?: string; scope: string | null }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-bearer-'));
    image = await buildServiceImage(await createTestImageSpec(dir));

    const keyFile = join(dir, 'token.key');
    const certFile = join(dir, 'token.crt');
    const made = await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=slipway-test-token']);
    expect(made.code, made.output).toBe(0);
    const key = createPrivateKey(await readFile(keyFile));
    const certificate = new X509Certificate(await readFile(certFile));

    tokenServer = http.createServer((request, response) => {
      const url = new URL(request.url!, 'http://token');
      const scope = url.searchParams.get('scope');
      tokenRequests.push({ authorization: request.headers.authorization, scope });
      if (request.headers.authorization !== `Basic ${Buffer.from('ci:s3cret-token').toString('base64')}`) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      const [, name, actions] = /^repository:(.+):([^:]+)$/.exec(scope ?? '') ?? [];
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certificate.raw.toString('base64')] }));
      const claims = base64url(JSON.stringify({
        iss: 'slipway-test', sub: 'ci', aud: 'slipway-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(),
        access: name ? [{ type: 'repository', name, actions: actions.split(',') }] : [],
      }));
      const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${base64url(signature)}` }));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const tokenPort = (tokenServer.address() as AddressInfo).port;

    const port = await freePort();
    registryUrl = `http://127.0.0.1:${port}`;
    const config = join(dir, 'registry.yml');
    await writeFile(config, [
      'version: 0.1', 'log:', '  level: warn', '  accesslog:', '    disabled: true',
      'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`,
      'http:', `  addr: 127.0.0.1:${port}`,
      'auth:', '  token:', `    realm: http://127.0.0.1:${tokenPort}/token`, '    service: slipway-registry', '    issuer: slipway-test', `    rootcertbundle: ${certFile}`, '',
    ].join('\n'));
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
    // One token per scope the registry challenged with (it lists push and pull in either order).
    const scopes = tokenRequests.map((request) => request.scope!.replace(/push,pull$/, 'pull,push'));
    expect(scopes).toEqual(['repository:embark/backend:pull', 'repository:embark/backend:pull,push']);
    expect((await client.getManifest('embark/backend', '1.4.0')).digest).toBe(image.manifestDigest);
  });

  it("reports the token service's refusal without the password", async () => {
    const client = new RegistryClient({ url: registryUrl, auth: { username: 'ci', password: 'wrong-token' } });
    const error = await pushImage({ image, client, repository: 'embark/backend', tags: ['1.4.0'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Failure);
    const failure = error as Failure;
    expect(failure.specific).toBe('registry refused the token request for repository:embark/backend:pull: 401 UNAUTHORIZED: bad credentials');
    expect(failure.hint).toMatch(/check the registry credentials/);
    expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain('wrong-token');
  });
});
