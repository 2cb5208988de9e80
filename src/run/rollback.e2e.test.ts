import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveCommand } from '../cli/commands/approve.ts';
import { envCommand } from '../cli/commands/env.ts';
import { rollbackCommand } from '../cli/commands/rollback.ts';
import { loadConfig } from '../config/load.ts';
import { readState } from '../deploy/local/runtime/state.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { homeAt, type Home } from '../shared/home.ts';
import { failureOf } from '../test-support/failure-of.ts';
import { createForgeRelease, releaseOnForge } from '../test-support/forge-release.ts';
import { withPromotions } from '../test-support/promotion-fixtures.ts';
import { nodeBaseLayer } from '../test-support/node-base-layer.ts';
import { writeOciImage } from '../test-support/oci-layout-writer.ts';
import { sampleManifest } from '../test-support/release-manifest-fixture.ts';
import { testServerSource } from '../test-support/test-server.ts';
import { runPipeline } from './pipeline.ts';
import { commandOutput } from '../test-support/command-output.ts';

/**
 * `slipway rollback` on the embedded default's local runtime: two releases (real images in the
 * registry's OCI layouts, released on the repository's forge) become stable in prod one after the
 * other, then prod goes back to the first, by its digest.
 */
let dir: string;
let repoDir: string;
let home: Home;
const pagerToken = 'pager-7f3a9c1e5b2d4f60';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-rollback-'));
  repoDir = join(dir, 'repo');
  home = homeAt(join(dir, 'home'));
  await mkdir(repoDir, { recursive: true });
  const config = {
    project: 'embark',
    registry: { url: 'oci-layout' },
    services: { backend: { package: '@embark/backend', port: 7007, command: ['node', 'server.mjs'], health: '/readyz', routes: ['/'] } },
    environments: { prod: { namespace: 'embark-prod', host: 'prod.embark.test', gate: 'manual' } },
    smoke: [],
    stability: { windowSeconds: 0.3, intervalMs: 100 },
    secrets: ['SLIPWAY_TEST_PAGER_TOKEN'],
  };
  process.env.SLIPWAY_TEST_PAGER_TOKEN = pagerToken;
  await writeFile(join(repoDir, 'slipway.config.json'), JSON.stringify(config));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'embark');
});

afterAll(async () => {
  await commandOutput(() => envCommand({ args: ['down'], repo: repoDir, home: home.root }));
  await rm(dir, { recursive: true, force: true });
  delete process.env.SLIPWAY_TEST_PAGER_TOKEN;
});

/** A release as the release stage leaves it: its image pushed by digest, its manifest on the forge. */
async function release(version: string, createdAt: string): Promise<ReleaseManifest> {
  const tag = `v${version}`;
  const { digest } = await writeOciImage(join(home.registryDir, 'oci-layouts', 'embark', 'backend'), {
    tag,
    config: { Entrypoint: ['node'], Cmd: ['server.mjs'], Env: [`VERSION=${tag}`], WorkingDir: '/app', User: 'app' },
    layers: [
      { gzip: false, entries: nodeBaseLayer() },
      { gzip: true, entries: [{ path: 'app/server.mjs', content: testServerSource }] },
    ],
  });
  const image = { repository: 'embark/backend', reference: `oci-layout/embark/backend@${digest}`, digest, size: 1, tags: [tag] };
  const manifest = {
    ...sampleManifest(tag, version.replace(/\./g, '').padEnd(40, 'a')),
    createdAt,
    registry: 'oci-layout',
    images: { backend: image },
  };
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  await createForgeRelease(home, config, repoDir, manifest);
  return manifest;
}

/** Recorded by a run (which stops at prod's manual gate), then approved into prod. */
async function releaseToProd(manifest: ReleaseManifest): Promise<void> {
  const run = await runPipeline({ repoDir, home, trigger: 'test', scope: 'promotion', promote: manifest.tag, listener: () => {} });
  expect(run.failures).toEqual([]);
  expect(await commandOutput(() => approveCommand({ args: ['prod', manifest.tag], repo: repoDir, home: home.root }))).toMatchObject({
    code: 0,
  });
}

async function servedVersion(): Promise<string> {
  const status = JSON.parse(
    (await commandOutput(() => envCommand({ args: ['status', 'prod'], repo: repoDir, home: home.root, json: true }))).stdout,
  );
  return ((await (await fetch(status.url)).json()) as { version: string }).version;
}

describe('slipway rollback on the local runtime', () => {
  it("puts the earlier release's digest back where it runs, and approve refuses the rolled-back release", async () => {
    const good = await release('1.0.0', '2026-11-27T10:00:00.000Z');
    const bad = await release('1.1.0', '2026-11-27T11:00:00.000Z');
    expect(bad.images.backend.digest).not.toBe(good.images.backend.digest);
    await releaseToProd(good);
    await releaseToProd(bad);
    expect(await servedVersion()).toBe('v1.1.0');

    const rolledBack = await commandOutput(() => rollbackCommand({ args: ['prod'], repo: repoDir, home: home.root }));
    expect(rolledBack.code, rolledBack.stdout).toBe(0);
    // Without --reason, the summary says none was given.
    expect(rolledBack.stdout).toMatch(/Run #\d+: rolled back prod from v1\.1\.0 to v1\.0\.0: no reason given/);
    const state = await readState(home.environmentsDir, 'prod');
    expect(state?.current?.services.map((service) => [service.name, service.digest])).toEqual([['backend', good.images.backend.digest]]);
    expect(state?.current?.revision).toMatch(/^v1\.0\.0-run\d+$/);
    expect(await servedVersion()).toBe('v1.0.0');

    const refused = await failureOf(approveCommand({ args: ['prod', 'v1.1.0'], repo: repoDir, home: home.root }));
    expect(refused.specific).toMatch(/^v1\.1\.0 was rolled back in prod by \S+: no reason given$/);
  });

  it('keeps a secret pasted into the reason out of the store and the forge, and refuses to go back further than the first release', async () => {
    const fixed = await release('1.2.0', '2026-11-27T12:00:00.000Z');
    await releaseToProd(fixed);
    const rolledBack = await commandOutput(() =>
      rollbackCommand({ args: ['prod'], repo: repoDir, home: home.root, reason: `paged with ${pagerToken}: errors` }),
    );
    expect(rolledBack.code, rolledBack.stdout).toBe(0);
    expect(rolledBack.stdout).toMatch(/rolled back prod from v1\.2\.0 to v1\.0\.0: paged with \*\*\*: errors/);
    expect(rolledBack.stdout).not.toContain(pagerToken);
    await withPromotions(repoDir, home, (store) => {
      expect(store.record('prod', 'v1.2.0')?.detail).toMatch(/paged with \*\*\*: errors$/);
      expect(store.withdrawal('v1.2.0')?.reason).toBe('paged with ***: errors');
    });
    const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
    const note = (await releaseOnForge(home, config, repoDir, 'v1.2.0'))?.body ?? '';
    expect(note).toContain('paged with ***: errors');
    expect(note).not.toContain(pagerToken);

    // v1.1.0 was rolled back itself, and nothing before v1.0.0 was stable: there is nowhere to go.
    const nowhere = await runPipeline({
      repoDir,
      home,
      trigger: 'rollback prod',
      scope: 'rollback',
      rollback: { environment: 'prod', reason: 'again', by: 'ana' },
      listener: () => {},
    });
    expect(nowhere.failures.map((failure) => [failure.message, failure.specific])).toEqual([
      ['Rollback failed', 'no release before v1.0.0 was stable in prod: there is nothing to roll back to'],
    ]);
    expect(nowhere.failures[0].details).toEqual(['releases in prod: v1.2.0 (rolled back), v1.1.0 (rolled back), v1.0.0 (stable)']);
  });
});
