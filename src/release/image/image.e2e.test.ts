import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../shared/exec.ts';
import { blobPath, buildServiceImage, readLayout, type BuiltImage } from './index.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';

// Unpacking needs root (ownership, chroot); this machine and CI run as root.
describe.skipIf(process.getuid?.() !== 0)('a built image runs', () => {
  let dir: string;
  let image: BuiltImage;
  const rootfs = () => join(dir, 'rootfs');
  // The host's variables (NODE_OPTIONS, extra CA files) must not leak into the image's process.
  const cleanEnv = (variables: string[]) => ['-i', ...variables];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-image-run-'));
    const spec = await createTestImageSpec(dir, { outDir: join(dir, 'out') });
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      image = await buildServiceImage(spec);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    await mkdir(rootfs());
    // GNU tar, not our own code, reads the layers: an independent check of the archive format.
    for (const layer of image.layers) {
      const result = await exec('tar', ['-xzf', blobPath(image.layoutDir, layer.digest), '-C', rootfs()]);
      expect(result.output).toBe('');
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs node from the base layer inside a chroot', async () => {
    const result = await exec('env', [...cleanEnv([]), '/usr/sbin/chroot', rootfs(), '/usr/local/bin/node', '-e', 'console.log(1 + 1)']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('2\n');
  });

  it('runs the entrypoint as the app user with the dependency closure resolvable', async () => {
    const { config } = await readLayout(image.layoutDir);
    const [node, entry] = config.config.Entrypoint;
    // chroot has no working-directory option: the entry is resolved against WorkingDir by hand.
    const result = await exec('env', [
      ...cleanEnv(config.config.Env),
      '/usr/sbin/chroot',
      '--userspec=65532:65532',
      rootfs(),
      node,
      `${config.config.WorkingDir}/${entry}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello ..app 1m\n');
  });

  it('stamps SOURCE_DATE_EPOCH on the files and the config', async () => {
    const listing = await exec('tar', ['--numeric-owner', '--full-time', '-tvzf', blobPath(image.layoutDir, image.layers[2].digest)]);
    const lines = listing.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/^[-d]rw[-x]r-[-x]r-[-x] 0\/0 +\d+ 2023-11-14 22:13:20 app/);
    expect((await readLayout(image.layoutDir)).config.created).toBe('2023-11-14T22:13:20Z');
  });
});
