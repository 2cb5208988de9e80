import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { blobPath, buildServiceImage, type BuiltImage, type ServiceImageSpec } from '../image/index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';
import { exec } from '../../shared/exec.ts';
import { startFaultProxy, type FaultProxyOptions } from '../../test-support/fault-proxy.ts';
import { pushImage } from '../image/index.ts';
import { RegistryClient, startLocalRegistry, type LocalRegistry } from './index.ts';

const MiB = 1 << 20;
/** Small enough that the test image's 40 MiB base layer goes up in three chunks. */
const chunkSize = 16 * MiB;
const isPatch = (method: string) => method === 'PATCH';

async function skopeoDigest(reference: string): Promise<string> {
  const inspect = await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reference}`]);
  expect(inspect.code, inspect.output).toBe(0);
  return (JSON.parse(inspect.stdout) as { Digest: string }).Digest;
}

async function servedDigest(client: RegistryClient, repository: string, digest: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await client.getBlob(repository, digest)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

describe('cross-repository mounts and chunked uploads on the Debian docker-registry', () => {
  let dir: string;
  let spec: ServiceImageSpec;
  let image: BuiltImage;
  let registry: LocalRegistry;
  const stops: (() => Promise<void>)[] = [];
  const base = () => image.layers[0];
  const chunksOfBase = () => Math.ceil(base().size / chunkSize);

  async function proxy(opts: FaultProxyOptions) {
    const started = await startFaultProxy(registry.url, opts);
    stops.push(started.stop);
    return started;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-upload-'));
    spec = await createTestImageSpec(dir);
    image = await buildServiceImage(spec);
    registry = await startLocalRegistry({ storageDir: join(dir, 'storage') });
    stops.push(registry.stop);
    await pushImage({ image, client: new RegistryClient({ url: registry.url }), repository: 'embark/backend', tags: ['1.4.0'] });
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('mounts every blob into a second repository, sends no bytes, and skopeo agrees on the digest', async () => {
    const recorder = await proxy({ faults: 0, mode: '500' });
    const result = await pushImage({
      image,
      client: new RegistryClient({ url: recorder.url }),
      repository: 'embark/frontend',
      tags: ['1.4.0'],
      mountFrom: ['embark/frontend', 'embark/backend'],
    });
    expect(result).toEqual({
      digest: image.manifestDigest,
      reference: `${recorder.url.slice(7)}/embark/frontend@${image.manifestDigest}`,
      uploadedBytes: 0,
      uploadedBlobs: 0,
      mountedBlobs: image.layers.length + 1,
      skippedBlobs: 0,
    });
    const mounts = recorder.requests.filter((request) => request.startsWith('POST '));
    expect(mounts).toEqual(
      [image.configDigest, ...image.layers.map((layer) => layer.digest)].map(
        (digest) => `POST /v2/embark/frontend/blobs/uploads/?mount=${digest.replace(':', '%3A')}&from=embark%2Fbackend`,
      ),
    );
    expect(
      recorder.requests.filter((request) => request.startsWith('PATCH ') || request.startsWith('PUT /v2/embark/frontend/blobs/')),
    ).toEqual([]);
    expect(await skopeoDigest(`${registry.host}/embark/frontend:1.4.0`)).toBe(image.manifestDigest);
  });

  it('mounts the shared base and dependency layers and uploads only what differs', async () => {
    await writeFile(join(spec.packageDir, 'dist/routes/health.js'), 'module.exports = () => 200;\n');
    const changed = await buildServiceImage({ ...spec, outDir: join(dir, 'image-changed') });
    const result = await pushImage({
      image: changed,
      client: new RegistryClient({ url: registry.url }),
      repository: 'embark/worker',
      tags: ['1.4.1'],
      mountFrom: ['embark/backend'],
    });
    const [shared, dependencies, app] = changed.layers;
    expect(result).toMatchObject({ mountedBlobs: 2, uploadedBlobs: 2, skippedBlobs: 0 });
    expect(result.uploadedBytes).toBeGreaterThan(app.size);
    expect(result.uploadedBytes).toBeLessThan(app.size + 4096);
    expect([shared.digest, dependencies.digest]).toEqual([image.layers[0].digest, image.layers[1].digest]);
    expect(await skopeoDigest(`${registry.host}/embark/worker:1.4.1`)).toBe(changed.manifestDigest);
  });

  it('uploads in the session the registry opens when it cannot mount (202)', async () => {
    const recorder = await proxy({ faults: 0, mode: '500' });
    const client = new RegistryClient({ url: recorder.url });
    const config = blobPath(image.layoutDir, image.configDigest);
    const outcome = await client.pushBlob('embark/lonely', image.configDigest, config, (await stat(config)).size, {
      mountFrom: 'embark/nowhere',
    });
    expect(outcome).toBe('uploaded');
    expect(recorder.requests.map((request) => request.split('?')[0])).toEqual([
      'POST /v2/embark/lonely/blobs/uploads/',
      expect.stringMatching(/^PUT \/v2\/embark\/lonely\/blobs\/uploads\/[\w-]+$/),
    ]);
    expect(await client.hasBlob('embark/lonely', image.configDigest)).toBe(true);
  });

  it('sends a blob above the chunk size in PATCH chunks and the registry serves the same digest', async () => {
    const recorder = await proxy({ faults: 0, mode: '500' });
    const client = new RegistryClient({ url: recorder.url, chunkSize });
    const result = await pushImage({ image, client, repository: 'embark/chunked', tags: ['1.4.0'] });
    expect(result).toMatchObject({ digest: image.manifestDigest, uploadedBlobs: 4 });
    expect(chunksOfBase()).toBe(3);
    expect(recorder.requests.filter((request) => request.startsWith('PATCH '))).toHaveLength(chunksOfBase());
    expect(await servedDigest(client, 'embark/chunked', base().digest)).toBe(base().digest);
    expect(await skopeoDigest(`${registry.host}/embark/chunked:1.4.0`)).toBe(image.manifestDigest);
  });

  for (const mode of ['500', '416', 'reset'] as const) {
    it(`resumes a chunked upload from the registry's offset after a ${mode === 'reset' ? 'connection reset' : mode} on the second chunk`, async () => {
      const faulty = await proxy({ faults: 1, mode, match: isPatch, skip: 1 });
      const repository = `embark/resumed-${mode}`;
      const client = new RegistryClient({ url: faulty.url, chunkSize, retries: 2 });
      const result = await pushImage({ image, client, repository, tags: ['1.4.0'] });
      expect(result.digest).toBe(image.manifestDigest);
      const upload = faulty.requests
        .filter((request) => /^(PATCH|GET) \/v2\/[^ ]+\/blobs\/uploads\//.test(request))
        .map((request) => request.split(' ')[0]);
      // The first chunk is not sent again: the registry said it holds it.
      expect(upload).toEqual(['PATCH', 'PATCH', 'GET', ...Array(chunksOfBase() - 1).fill('PATCH')]);
      expect(faulty.requests.filter((request) => request.startsWith(`POST /v2/${repository}/blobs/uploads/`))).toHaveLength(4);
      expect(await skopeoDigest(`${registry.host}/${repository}:1.4.0`)).toBe(image.manifestDigest);
    });
  }

  it('starts the blob over when a torn chunk leaves the registry with a partial write', async () => {
    const faulty = await proxy({ faults: 1, mode: 'torn', match: isPatch, skip: 1 });
    const client = new RegistryClient({ url: faulty.url, chunkSize, retries: 2 });
    const result = await pushImage({ image, client, repository: 'embark/torn', tags: ['1.4.0'] });
    expect(result.digest).toBe(image.manifestDigest);
    // The registry kept half a chunk, then cancelled the session whose offset no longer matched (404):
    // the blob starts over in a new session.
    const upload = faulty.requests
      .filter((request) => /^(POST|PATCH|GET) \/v2\/embark\/torn\/blobs\/uploads\//.test(request))
      .map((request) => request.split(' ')[0]);
    expect(upload).toEqual(['POST', 'POST', 'PATCH', 'PATCH', 'GET', 'POST', ...Array(chunksOfBase()).fill('PATCH'), 'POST', 'POST']);
    expect(await servedDigest(client, 'embark/torn', base().digest)).toBe(base().digest);
    expect(await skopeoDigest(`${registry.host}/embark/torn:1.4.0`)).toBe(image.manifestDigest);
  });

  it('gives up after the bounded retries on a chunk, and no tag appears', async () => {
    const faulty = await proxy({ faults: 100, mode: '500', match: isPatch, skip: 1 });
    const client = new RegistryClient({ url: faulty.url, chunkSize, retries: 2 });
    const failure = await failureOf(pushImage({ image, client, repository: 'embark/doomed', tags: ['never'] }));
    expect(failure.specific).toBe('registry refused the upload of embark/doomed: 500 UNKNOWN: injected fault');
    expect(failure.details).toEqual([`PATCH ${faulty.url} answered 500 Internal Server Error`]);
    expect(failure.hint).toBe('the registry kept failing after retries; try again later or check its status');
    expect(faulty.requests.filter((request) => request.startsWith('PATCH '))).toHaveLength(1 + 3);
    expect(faulty.requests.some((request) => request.includes('/manifests/'))).toBe(false);
    const missing = await failureOf(new RegistryClient({ url: registry.url }).getManifest('embark/doomed', 'never'));
    expect(missing.specific).toBe('registry refused the manifest read of embark/doomed:never: 404 MANIFEST_UNKNOWN: manifest unknown');
  });

  it('says how far a chunked upload got when the connection keeps dropping', async () => {
    const faulty = await proxy({ faults: 100, mode: 'reset', match: isPatch, skip: 1 });
    const failure = await failureOf(
      pushImage({
        image,
        client: new RegistryClient({ url: faulty.url, chunkSize, retries: 1 }),
        repository: 'embark/unreachable',
        tags: ['never'],
      }),
    );
    expect(failure.specific).toMatch(new RegExp(`^cannot reach the registry at ${faulty.url} for the upload of embark/unreachable: `));
    expect(failure.details).toEqual([
      expect.stringMatching(
        new RegExp(
          `^PATCH ${faulty.url}/v2/embark/unreachable/blobs/uploads/[\\w-]+ failed after 2 attempt\\(s\\), with ${chunkSize} of ${base().size} bytes stored$`,
        ),
      ),
    ]);
    expect(failure.hint).toBe('check that the registry is running and reachable (registry.url in slipway.config.ts)');
  });
});
