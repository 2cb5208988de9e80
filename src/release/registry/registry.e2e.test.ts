import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceImage, type BuiltImage, type ServiceImageSpec } from '../image/index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';
import { exec } from '../../shared/exec.ts';
import { startFaultProxy } from '../../test-support/fault-proxy.ts';
import { pushImage } from '../image/index.ts';
import { promoteImage, RegistryClient, startLocalRegistry, type LocalRegistry } from './index.ts';
import { failureOf } from '../../test-support/failure-of.ts';

const repository = 'embark/backend';

describe('pushing to the Debian docker-registry', () => {
  let dir: string;
  let spec: ServiceImageSpec;
  let image: BuiltImage;
  let registry: LocalRegistry;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
    spec = await createTestImageSpec(dir);
    image = await buildServiceImage(spec);
    registry = await startLocalRegistry({ storageDir: join(dir, 'storage') });
    stops.push(registry.stop);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes every blob, tags the manifest, and skopeo sees the same digest', async () => {
    const client = new RegistryClient({ url: registry.url });
    const result = await pushImage({ image, client, repository, tags: ['1.4.0', 'sha-abc123'] });
    expect(result).toEqual({
      digest: image.manifestDigest,
      reference: `${registry.host}/${repository}@${image.manifestDigest}`,
      uploadedBlobs: 4,
      mountedBlobs: 0,
      skippedBlobs: 0,
      uploadedBytes:
        image.layers.reduce((total, layer) => total + layer.size, 0) +
        (await client.getManifest(repository, '1.4.0').then((m) => JSON.parse(m.body.toString()).config.size as number)),
    });
    for (const tag of ['1.4.0', 'sha-abc123']) {
      const inspect = await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/${repository}:${tag}`]);
      expect(inspect.code, inspect.output).toBe(0);
      const inspected = JSON.parse(inspect.stdout) as { Digest: string; Labels: Record<string, string> };
      expect(inspected.Digest).toBe(image.manifestDigest);
      expect(inspected.Labels['org.opencontainers.image.version']).toBe('1.4.0');
    }
  });

  it('skips every blob on a second push, including after a registry restart', async () => {
    await registry.stop();
    registry = await startLocalRegistry({ storageDir: join(dir, 'storage') });
    stops.push(registry.stop);
    const result = await pushImage({ image, client: new RegistryClient({ url: registry.url }), repository, tags: ['1.4.0'] });
    expect(result).toMatchObject({ digest: image.manifestDigest, uploadedBlobs: 0, skippedBlobs: 4, uploadedBytes: 0 });
  });

  it('uploads only the app layer and the config after a code change', async () => {
    await writeFile(join(spec.packageDir, 'dist/routes/health.js'), 'module.exports = () => 200;\n');
    const changed = await buildServiceImage({ ...spec, outDir: join(dir, 'image-changed') });
    const result = await pushImage({ image: changed, client: new RegistryClient({ url: registry.url }), repository, tags: ['1.4.1'] });
    const app = changed.layers[2];
    expect(result.uploadedBlobs).toBe(2);
    expect(result.skippedBlobs).toBe(2);
    expect(result.uploadedBytes).toBeGreaterThan(app.size);
    expect(result.uploadedBytes).toBeLessThan(app.size + 4096);
    const blob = await new RegistryClient({ url: registry.url }).getBlob(repository, app.digest);
    const chunks: Buffer[] = [];
    for await (const chunk of blob) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).length).toBe(app.size);
  });

  it('promotes by digest: adds a tag without uploading a blob, and skopeo agrees', async () => {
    const client = new RegistryClient({ url: registry.url });
    await promoteImage({ client, repository, digest: image.manifestDigest, tag: 'stable' });
    expect((await client.getManifest(repository, 'stable')).digest).toBe(image.manifestDigest);
    const inspect = await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/${repository}:stable`]);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifestDigest);
    await expect(promoteImage({ client, repository, digest: `sha256:${'0'.repeat(64)}`, tag: 'stable' })).rejects.toThrow();
    expect((await client.getManifest(repository, 'stable')).digest).toBe(image.manifestDigest);
  });

  it("reports a read-only registry's refusal in its own words", async () => {
    const readOnly = await startLocalRegistry({ storageDir: join(dir, 'readonly-storage'), readOnly: true });
    stops.push(readOnly.stop);
    const failure = await failureOf(pushImage({ image, client: new RegistryClient({ url: readOnly.url }), repository, tags: ['1.4.0'] }));
    // Debian's registry 2.8 answers a read-only push in plain text, not with an errors[] body.
    expect(failure.specific).toBe('registry refused the upload of embark/backend: 405 Method not allowed');
    expect(failure.details).toEqual([`POST ${readOnly.url} answered 405 Method Not Allowed`, 'the registry allows only GET, HEAD here']);
    expect(failure.hint).toBe(
      'the registry does not accept pushes (read-only or maintenance mode); check registry.url in slipway.config.ts',
    );
  });

  for (const mode of ['500', 'reset'] as const) {
    it(`retries through ${mode === '500' ? 'server errors' : 'connection resets'} and still pushes`, async () => {
      const proxy = await startFaultProxy(registry.url, { faults: 2, mode });
      stops.push(proxy.stop);
      const result = await pushImage({ image, client: new RegistryClient({ url: proxy.url, retries: 3 }), repository, tags: ['retried'] });
      expect(result.digest).toBe(image.manifestDigest);
      // The first request failed twice and succeeded on its third attempt.
      expect(proxy.requests.slice(0, 3)).toEqual(Array(3).fill(`HEAD /v2/${repository}/blobs/${image.configDigest}`));
    });
  }

  it('gives up after the bounded retries with the last error', async () => {
    const proxy = await startFaultProxy(registry.url, { faults: 100, mode: '500' });
    stops.push(proxy.stop);
    const failure = await failureOf(
      pushImage({ image, client: new RegistryClient({ url: proxy.url, retries: 2 }), repository, tags: ['never'] }),
    );
    expect(proxy.requests).toHaveLength(3);
    // A HEAD answer has no body, so the status line is all the registry can say.
    expect(failure.specific).toBe('registry refused the blob lookup in embark/backend: 500 Internal Server Error');
    expect(failure.hint).toBe('the registry kept failing after retries; try again later or check its status');
  });

  it('says so when the registry cannot be reached', async () => {
    const failure = await failureOf(
      new RegistryClient({ url: 'http://127.0.0.1:9', retries: 1 }).hasBlob(repository, image.manifestDigest),
    );
    expect(failure.specific).toBe(
      'cannot reach the registry at http://127.0.0.1:9 for the blob lookup in embark/backend: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(failure.details).toEqual([`HEAD http://127.0.0.1:9/v2/embark/backend/blobs/${image.manifestDigest} failed after 2 attempt(s)`]);
  });

  // htpasswd files hold bcrypt hashes; Debian's python3 makes one without extra packages
  // (cost 4: the registry checks it on every request).
  it.skipIf(!existsSync('/usr/bin/python3'))('authenticates with basic credentials and never shows the password', async () => {
    const htpasswd = join(dir, 'htpasswd');
    const hash = await exec('/usr/bin/python3', [
      '-W',
      'ignore',
      '-c',
      'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))',
      's3cret-pass',
    ]);
    await writeFile(htpasswd, `ci:${hash.stdout.trim()}\n`);
    const secured = await startLocalRegistry({ storageDir: join(dir, 'auth-storage'), htpasswdFile: htpasswd });
    stops.push(secured.stop);

    const result = await pushImage({
      image,
      client: new RegistryClient({ url: secured.url, auth: { username: 'ci', password: 's3cret-pass' } }),
      repository,
      tags: ['1.4.0'],
    });
    expect(result.uploadedBlobs).toBe(4);

    const wrong = await failureOf(
      pushImage({
        image,
        client: new RegistryClient({ url: secured.url, auth: { username: 'ci', password: 'wrong-pass' } }),
        repository,
        tags: ['1.4.0'],
      }),
    );
    expect(wrong.specific).toBe('registry refused the blob lookup in embark/backend: 401 Unauthorized');
    expect(wrong.hint).toMatch(/check the registry credentials/);
    expect(JSON.stringify(wrong) + wrong.message).not.toContain('wrong-pass');
  });
});

describe('startLocalRegistry', () => {
  it('names the Debian package when the registry binary is missing', async () => {
    const failure = await failureOf(
      startLocalRegistry({ storageDir: join(tmpdir(), 'slipway-unused-registry'), binary: '/nonexistent/docker-registry' }),
    );
    expect(failure.specific).toBe('the local registry needs /nonexistent/docker-registry, which is not installed');
    expect(failure.hint).toBe(
      'install the Debian package docker-registry (apt-get install docker-registry), or set registry.url in slipway.config.ts',
    );
  });
});
