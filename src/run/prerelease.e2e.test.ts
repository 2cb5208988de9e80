import { enterPre, exitPre } from '@changesets/pre';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { exec } from '../shared/exec.ts';
import { git } from '../shared/git.ts';
import type { ForgeState } from '../release/forge/local/state.ts';

// changesets' prerelease mode through the real CLI on the embedded example: two merges to main,
// one in `changeset pre enter rc`, one after `changeset pre exit`. Slow by nature (two whole runs).
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
let home: string;
let repoDir: string;

async function slipway(...args: string[]) {
  const result = await exec(process.execPath, [cli, ...args, '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
  return { ...result, all: result.stdout + result.stderr };
}

async function commitAll(message: string): Promise<void> {
  await git(repoDir, ['add', '-A']);
  await git(repoDir, ['-c', 'user.name=Embark Developer', '-c', 'user.email=dev@embark.example', 'commit', '-q', '-m', message]);
}

/** The embedded forge's releases, as it keeps them. */
async function forgeReleases(): Promise<ForgeState['releases']> {
  const [repository] = await readdir(join(home, 'forge'));
  return (JSON.parse(await readFile(join(home, 'forge', repository, 'github.json'), 'utf8')) as ForgeState).releases;
}

describe("changesets' prerelease mode, merge to release", () => {
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'slipway-prerelease-'));
    ({ repoDir } = await prepareDemoRepo({ parentDir: join(home, 'repos') }));
    await enterPre(repoDir, 'rc');
    await commitAll('Enter prerelease mode: rc');
  });

  afterAll(async () => {
    await slipway('env', 'down');
    await rm(home, { recursive: true, force: true });
  });

  it('releases 1.5.0-rc.0 as a prerelease that is judged in staging and stops before prod', async () => {
    const result = await slipway('run', '--repo', repoDir);
    expect(result.code, result.all).toBe(0);
    expect(result.all).toMatch(/✔ version\s+v1\.5\.0-rc\.0: @embark\/backend 1\.4\.0 → 1\.5\.0-rc\.0/);
    expect(result.all).toMatch(/✔ publish\s+prerelease v1\.5\.0-rc\.0 published/);
    expect(result.stdout).toContain(
      'environments: v1.5.0-rc.0 stable in staging; a prerelease stops before prod, which takes stable releases only',
    );
    const [release] = await forgeReleases();
    expect(release).toMatchObject({ tag: 'v1.5.0-rc.0', prerelease: true, draft: false });
    // Prerelease mode keeps the changeset it released, for the stable release to consume.
    expect(existsSync(join(repoDir, '.changeset', 'notes-list-api.md'))).toBe(true);

    const approval = await slipway('approve', 'prod', 'v1.5.0-rc.0', '--repo', repoDir);
    expect(approval.code).toBe(1);
    expect(approval.all).toContain('v1.5.0-rc.0 is a prerelease, and prod takes stable releases only');
    expect(approval.all).toContain('changeset pre exit');
  });

  it('releases the stable 1.5.0 once prerelease mode is left, and it waits at prod gate', async () => {
    await exitPre(repoDir);
    await commitAll('Exit prerelease mode');
    const result = await slipway('run', '--repo', repoDir);
    expect(result.code, result.all).toBe(0);
    expect(result.all).toMatch(/✔ version\s+v1\.5\.0: @embark\/backend 1\.5\.0-rc\.0 → 1\.5\.0/);
    expect(result.stdout).toContain('environments: v1.5.0 stable in staging; prod waits for approval: run `slipway approve prod v1.5.0`');
    expect((await forgeReleases()).map(({ tag, prerelease }) => ({ tag, prerelease }))).toEqual([
      { tag: 'v1.5.0-rc.0', prerelease: true },
      { tag: 'v1.5.0', prerelease: false },
    ]);
    expect(existsSync(join(repoDir, '.changeset', 'pre.json'))).toBe(false);
    expect(existsSync(join(repoDir, '.changeset', 'notes-list-api.md'))).toBe(false);
  });
});
