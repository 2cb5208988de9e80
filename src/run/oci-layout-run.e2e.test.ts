import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { exec } from '../shared/exec.ts';

// Without a registry server (registry.url "oci-layout", what "local" falls back to where the
// Debian docker-registry is not installed) the whole pipeline pushes, deploys and promotes
// through OCI image layouts on disk.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

describe('slipway run with images in OCI image layouts', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'slipway-layout-run-'));
  });
  afterAll(async () => {
    await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
    await rm(home, { recursive: true, force: true });
  });

  it('carries the merge to a published release, and skopeo reads the promoted images', async () => {
    const { repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos') });
    const configFile = join(repoDir, 'slipway.config.ts');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace("project: 'embark',", "project: 'embark',\n  registry: { url: 'oci-layout' },"),
    );
    await exec('git', ['-C', repoDir, 'commit', '-qam', 'Images to OCI layouts']);
    const run = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/✔ push\s+2 images to oci-layout/);
    const digest = /backend\s+oci-layout\/embark\/backend@(sha256:[0-9a-f]{64})/.exec(run.stdout)?.[1];
    expect(digest, run.stdout).toBeDefined();
    const inspect = await exec('skopeo', ['inspect', `oci:${join(home, 'registry', 'oci-layouts', 'embark', 'backend')}:stable`]);
    expect(inspect.code, inspect.output).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(digest);
  });
});
