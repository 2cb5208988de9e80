import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobPath, buildServiceImage, readLayout, type ServiceImageSpec } from './index.ts';
import { createTestImageSpec, createTestWorkspace } from '../../test-support/image-workspace.ts';
import { failureOf } from '../../test-support/failure-of.ts';

async function layerEntries(layoutDir: string, digest: string): Promise<tar.Header[]> {
  const headers: tar.Header[] = [];
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      headers.push(entry.header);
      entry.resume();
    }
  })();
  await Promise.all([pipeline(createReadStream(blobPath(layoutDir, digest)), createGunzip(), extract), reading]);
  return headers;
}

describe('buildServiceImage', () => {
  let dir: string;
  let spec: ServiceImageSpec;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-image-'));
    spec = await createTestImageSpec(dir, {
      env: { LOG_LEVEL: 'info' },
      labels: { source: 'https://github.com/acme/embark', revision: 'abc123', version: '1.4.0' },
      outDir: join(dir, 'out'),
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the same digests twice, the second time from cached layers', async () => {
    const first = await buildServiceImage(spec);
    const second = await buildServiceImage({ ...spec, outDir: join(dir, 'out2') });
    expect(second.manifestDigest).toBe(first.manifestDigest);
    expect(second.configDigest).toBe(first.configDigest);
    expect(second.layers.map((layer) => layer.digest)).toEqual(first.layers.map((layer) => layer.digest));
    expect(second.layers.map((layer) => layer.reused)).toEqual([true, true, true]);
    expect(second.size).toBe(first.size);

    const layout = await readLayout(second.layoutDir);
    expect(layout.manifestDigest).toBe(second.manifestDigest);
    expect(layout.manifest.layers.map((layer) => layer.digest)).toEqual(second.layers.map((layer) => layer.digest));
    expect(layout.config.config).toEqual({
      User: '65532:65532',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'LOG_LEVEL=info', 'PORT=8080'],
      Entrypoint: ['/usr/local/bin/node', 'dist/server.js'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {
        'org.opencontainers.image.revision': 'abc123',
        'org.opencontainers.image.source': 'https://github.com/acme/embark',
        'org.opencontainers.image.title': '@embark/backend',
        'org.opencontainers.image.version': '1.4.0',
      },
    });
    expect(layout.config.rootfs.diff_ids).toEqual(second.layers.map((layer) => layer.diffId));
    expect(JSON.parse(await readFile(join(second.layoutDir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('ships the runtime in the base, the dependency closure, and the app without tests or maps', async () => {
    const image = await buildServiceImage(spec);
    const [base, deps, app] = await Promise.all(image.layers.map((layer) => layerEntries(image.layoutDir, layer.digest)));
    const names = (headers: tar.Header[]) => headers.map((header) => header.name.replace(/\/$/, ''));

    expect(names(base)).toEqual(
      expect.arrayContaining(['usr/local/bin/node', 'etc/passwd', 'etc/group', 'app', 'dev', 'proc', 'tmp', 'home/app']),
    );
    expect(names(base).some((name) => /^lib.*\/libc\.so\.6$/.test(name))).toBe(true);
    expect(base.find((header) => header.name.startsWith('tmp'))!.mode).toBe(0o1777);
    expect(base.find((header) => header.name.startsWith('home/app'))).toMatchObject({ uid: 65532, gid: 65532 });

    expect(names(deps).filter((name) => /\.(js|json)$/.test(name))).toEqual([
      'app/node_modules/@embark/shared/dist/index.js',
      'app/node_modules/@embark/shared/package.json',
      'app/node_modules/left-pad/index.js',
      'app/node_modules/left-pad/node_modules/pad-core/index.js',
      'app/node_modules/left-pad/node_modules/pad-core/package.json',
      'app/node_modules/left-pad/package.json',
      'app/node_modules/ms/index.js',
      'app/node_modules/ms/package.json',
    ]);
    expect(deps.find((header) => header.name.startsWith('app/node_modules/@embark/shared'))!.type).toBe('directory');

    expect(names(app)).toEqual([
      'app',
      'app/dist',
      'app/dist/routes',
      'app/dist/routes/health.js',
      'app/dist/server.js',
      'app/package.json',
    ]);
    for (const header of [...base, ...deps, ...app]) {
      expect(header.mtime.getTime()).toBe(0);
      if (!header.name.startsWith('home/app')) expect([header.uid, header.gid]).toEqual([0, 0]);
    }
  });

  it('rebuilds only the app layer when app code changes', async () => {
    const before = await buildServiceImage(spec);
    await writeFile(join(spec.packageDir, 'dist/routes/health.js'), 'module.exports = () => 200;\n');
    const after = await buildServiceImage(spec);
    expect(after.layers.map((layer) => layer.reused)).toEqual([true, true, false]);
    expect(after.layers[0].digest).toBe(before.layers[0].digest);
    expect(after.layers[1].digest).toBe(before.layers[1].digest);
    expect(after.layers[2].digest).not.toBe(before.layers[2].digest);
    expect(after.manifestDigest).not.toBe(before.manifestDigest);
  });

  it('rebuilds a layer whose cached blob is damaged instead of reusing it', async () => {
    const before = await buildServiceImage(spec);
    const app = before.layers[2];
    await writeFile(join(spec.cacheDir, 'blobs', 'sha256', app.digest.slice('sha256:'.length)), 'damaged');
    const after = await buildServiceImage({ ...spec, outDir: join(dir, 'out-repaired') });
    expect(after.layers.map((layer) => layer.reused)).toEqual([true, true, false]);
    expect(after.layers[2].digest).toBe(app.digest);
  });

  it("nests a root dependency under its dependent when the service's own node_modules shadows it", async () => {
    const workspace = await createTestWorkspace(join(dir, 'shadowed'));
    // The service pins pad-core 3 locally; left-pad keeps its own 2, the root has 1.
    await rm(join(workspace.root, 'node_modules/left-pad/node_modules'), { recursive: true });
    await mkdir(join(workspace.backendDir, 'node_modules/pad-core'), { recursive: true });
    await writeFile(
      join(workspace.backendDir, 'node_modules/pad-core/package.json'),
      JSON.stringify({ name: 'pad-core', version: '3.0.0' }),
    );
    await writeFile(
      join(workspace.backendDir, 'package.json'),
      JSON.stringify({ name: '@embark/backend', dependencies: { 'left-pad': '1', 'pad-core': '3' } }),
    );
    const image = await buildServiceImage({
      ...spec,
      workspaceRoot: workspace.root,
      packageDir: workspace.backendDir,
      outDir: join(dir, 'out-shadowed'),
    });
    const deps = await layerEntries(image.layoutDir, image.layers[1].digest);
    expect(deps.filter((header) => header.name.endsWith('package.json')).map((header) => header.name)).toEqual([
      'app/node_modules/left-pad/node_modules/pad-core/package.json',
      'app/node_modules/left-pad/package.json',
      'app/node_modules/pad-core/package.json',
    ]);
  });

  it('fails when the command names an entry the build does not output', async () => {
    const failure = await failureOf(buildServiceImage({ ...spec, command: ['node', 'dist/main.js'] }));
    expect(failure.specific).toBe('entry dist/main.js is not in the build output of @embark/backend');
    expect(failure.details).toContain('command: node dist/main.js');
    expect(failure.hint).toBe(
      "check the service's command in slipway.config.ts or the package's build script (it must write dist/main.js)",
    );
  });

  it('does not accept a test file as the entry', async () => {
    const failure = await failureOf(buildServiceImage({ ...spec, command: ['node', './dist/server.test.js'] }));
    expect(failure.specific).toBe('entry dist/server.test.js is not in the build output of @embark/backend');
  });

  it('fails when the package has no build output', async () => {
    const workspace = await createTestWorkspace(join(dir, 'unbuilt'));
    await rm(join(workspace.backendDir, 'dist'), { recursive: true });
    const failure = await failureOf(buildServiceImage({ ...spec, workspaceRoot: workspace.root, packageDir: workspace.backendDir }));
    expect(failure.specific).toBe(`@embark/backend has no build output: ${join(workspace.backendDir, 'dist')} is missing or empty`);
    expect(failure.hint).toMatch(/run the package's build script/);
  });

  it('fails when a workspace dependency has not been built', async () => {
    const workspace = await createTestWorkspace(join(dir, 'unbuilt-shared'));
    await rm(join(workspace.root, 'packages/shared/dist'), { recursive: true });
    const failure = await failureOf(buildServiceImage({ ...spec, workspaceRoot: workspace.root, packageDir: workspace.backendDir }));
    expect(failure.specific).toBe('workspace dependency @embark/shared of @embark/backend has no build output (dist/)');
  });

  it('fails when a dependency is not installed', async () => {
    const workspace = await createTestWorkspace(join(dir, 'uninstalled'));
    await rm(join(workspace.root, 'node_modules/ms'), { recursive: true });
    const failure = await failureOf(buildServiceImage({ ...spec, workspaceRoot: workspace.root, packageDir: workspace.backendDir }));
    expect(failure.specific).toBe('dependency ms of @embark/shared is not installed');
    expect(failure.hint).toBe('install the workspace dependencies (npm ci at the workspace root) before building images');
  });
});
