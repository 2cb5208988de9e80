import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';

// The whole pipeline through the real CLI, on the embedded default: real git, npm, registry,
// PostgreSQL, S3, Chromium and local runtime. Slow by nature; runs in the e2e project.
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
let home: string;

async function slipway(...args: string[]) {
  const result = await exec(process.execPath, [cli, ...args, '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
  return { ...result, all: result.stdout + result.stderr };
}

async function showRun(all: string) {
  const id = /slipway show (\d+)/.exec(all)?.[1];
  expect(id, all).toBeDefined();
  const shown = await slipway('show', id!, '--json');
  return JSON.parse(shown.stdout) as {
    run: { status: string };
    stages: { stage: string; status: string; summary?: string }[];
    feedback: { message: string; specific: string; details: string[]; logExcerpt: string[]; artifacts: string[]; hint?: string }[];
  };
}

const statusOf = (run: Awaited<ReturnType<typeof showRun>>, stage: string) => run.stages.find((s) => s.stage === stage)?.status;

describe('slipway demo', () => {
  let appUrl: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'slipway-demo-'));
  });

  afterAll(async () => {
    await slipway('env', 'down');
    await rm(home, { recursive: true, force: true });
  });

  it('carries a merge to a published, deployed release', async () => {
    const result = await slipway('demo');
    expect(result.code, result.all).toBe(0);
    for (const stage of [
      'trigger',
      'deps',
      'packages',
      'unit',
      'coverage',
      'browser',
      'version',
      'image',
      'scan',
      'push',
      'release',
      'integration',
      'k8s-assets',
      'k8s-tests',
      'deploy',
      'smoke',
      'stability',
      'publish',
      'promote',
    ]) {
      expect(result.all).toMatch(new RegExp(`✔ ${stage}\\s`));
    }
    expect(result.stdout).toMatch(/Published embark 1\.5\.0 \(v1\.5\.0\)/);
    expect(result.stdout).toMatch(/backend\s+\S+\/embark\/backend@sha256:[0-9a-f]{64}/);
    expect(result.stdout).toMatch(/frontend\s+\S+\/embark\/frontend@sha256:[0-9a-f]{64}/);
    // Staging's gate is automatic, prod's manual: the release stops there until approved.
    expect(result.stdout).toContain('environments: v1.5.0 stable in staging; prod waits for approval: run `slipway approve prod v1.5.0`');
    // The summary also says how to take the release back out where it got to.
    expect(result.stdout).toContain(`roll back staging: slipway rollback staging --reason "<why>" --home ${home}`);
    appUrl = /app running at (\S+)/.exec(result.stdout)![1];
    const page = await fetch(appUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Embark');
    const run = await showRun(result.all);
    expect(run.run.status).toBe('succeeded');
    // Beside the release manifest, an SBOM per image: its npm packages with versions and licenses.
    const runDir = join(home, 'runs', /slipway show (\d+)/.exec(result.all)![1]);
    const release = JSON.parse(await readFile(join(runDir, 'release.json'), 'utf8')) as {
      images: Record<string, { sbom: string; digest: string; scan: { status: string; advisoryService: string } }>;
    };
    expect(release.images.backend.sbom).toBe('sbom-backend.cdx.json');
    // The vulnerability gate's result per image: scanned, or (the registry's advisories out of reach) not scanned, never silently passed.
    for (const image of Object.values(release.images)) {
      expect(['scanned', 'not-scanned']).toContain(image.scan.status);
      expect(image.scan.advisoryService).toMatch(/\/-\/npm\/v1\/security\/advisories\/bulk$/);
    }
    const sbom = JSON.parse(await readFile(join(runDir, release.images.backend.sbom), 'utf8')) as {
      bomFormat: string;
      metadata: { component: { purl: string } };
      components: { name: string; purl: string; licenses?: unknown[] }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.metadata.component.purl).toContain(release.images.backend.digest.replace(':', '%3A'));
    const pg = sbom.components.find((component) => component.name === 'pg');
    expect(pg?.purl).toMatch(/^pkg:npm\/pg@\d+\.\d+\.\d+$/);
    expect(pg?.licenses).toEqual([{ license: { id: 'MIT' } }]);
  });

  it("lets the release through prod's manual gate on approval, by the same digests", async () => {
    const result = await slipway('approve', 'prod', 'v1.5.0');
    expect(result.code, result.all).toBe(0);
    expect(result.all).toContain('v1.5.0 approved for prod');
    expect(result.stdout).toContain('environments: v1.5.0 stable in prod; live in every environment');
    const status = await slipway('env', 'status', 'prod');
    expect(status.stdout).toMatch(/prod: v1\.5\.0-run\d+ at http/);
    // Approving again changes nothing: the release is already stable everywhere.
    const again = await slipway('approve', 'prod', 'v1.5.0');
    expect(again.all).toContain('v1.5.0 is already stable in every environment');
  });

  it('reuses the dependency and package caches on a second run', async () => {
    const result = await slipway('demo');
    expect(result.code, result.all).toBe(0);
    expect(result.all).toMatch(/✔ deps\s+restored from cache \(\d+\.\d (KiB|MiB), key [0-9a-f]{12}\)/);
    expect(result.all).toMatch(/✔ packages\s+3 packages: 3 from cache, 0 built/);
  });

  it('unit: names the failing test and its file, and builds no image', async () => {
    const result = await slipway('demo', '--fail', 'unit');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Unit tests failed: test failed in @embark\/shared: .+ \(packages\/shared\/src\/\S+\.test\.ts(:\d+)?\)/);
    const run = await showRun(result.all);
    expect(run.feedback[0].hint).toMatch(/packages\/shared\/src\/\S+\.test\.ts/);
    expect(statusOf(run, 'image')).toBe('skipped');
    expect(statusOf(run, 'push')).toBe('skipped');
  });

  it('coverage: names the uncovered file and lines', async () => {
    const result = await slipway('demo', '--fail', 'coverage');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Insufficient test coverage: .*@embark\/shared lines coverage [\d.]+% is below 90%/);
    const run = await showRun(result.all);
    expect(run.feedback[0].details.join('\n')).toMatch(/packages\/shared\/src\/\S+\.ts: \d+/);
    expect(statusOf(run, 'image')).toBe('skipped');
  });

  it('browser: reports the failing browser test with a screenshot and a Playwright trace', async () => {
    const result = await slipway('demo', '--fail', 'browser');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Browser tests failed: (browser test|\d+ browser tests) failed in @embark\/frontend/);
    const run = await showRun(result.all);
    const { artifacts, hint } = run.feedback[0];
    const trace = artifacts.find((a) => a.endsWith('.trace.zip'));
    expect(artifacts.some((a) => a.endsWith('.png'))).toBe(true);
    expect(trace).toBeDefined();
    expect(hint).toContain(`show-trace ${trace}`);
    // A Playwright trace is a zip holding the recorded actions.
    expect((await readFile(trace!)).subarray(0, 2).toString()).toBe('PK');
    expect(statusOf(run, 'image')).toBe('skipped');
  });

  it('image: says the entry file is not in the build output, and pushes nothing', async () => {
    const result = await slipway('demo', '--fail', 'image');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Image failed to build: .*dist\/main\.js/);
    const run = await showRun(result.all);
    expect(statusOf(run, 'push')).toBe('skipped');
  });

  it("push: carries the registry's own refusal, and creates no release", async () => {
    const result = await slipway('demo', '--fail', 'push');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Unable to upload image to container registry: .*(UNSUPPORTED|405|read-only)/i);
    const run = await showRun(result.all);
    expect(statusOf(run, 'release')).toBe('skipped');
  });

  it('integration: reports the failing integration test against PostgreSQL', async () => {
    const result = await slipway('demo', '--fail', 'integration');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ AWS integration tests failed: .*failed in @embark\/backend.*against real postgres and s3/);
    const run = await showRun(result.all);
    // The database's own words, printed by the backend just before the test failed.
    expect(run.feedback[0].logExcerpt.join('\n')).toMatch(/column "titel" .*does not exist/);
    expect(statusOf(run, 'deploy')).toBe('skipped');
  });

  it('manifest: names the object, the field and the fix', async () => {
    const result = await slipway('demo', '--fail', 'manifest');
    expect(result.code).toBe(1);
    expect(result.all).toContain('✖ K8s nonprod cluster failed integration tests');
    const run = await showRun(result.all);
    expect(run.feedback[0].details.join('\n')).toMatch(/Deployment\/embark-backend .*resources\.limits\.memory/);
    expect(statusOf(run, 'deploy')).toBe('skipped');
  });

  it('deploy: rolls back, and the previous release keeps serving', async () => {
    const result = await slipway('demo', '--fail', 'deploy');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Failed to deploy to nonprod env: .*backend.*never became ready/);
    const run = await showRun(result.all);
    expect(statusOf(run, 'smoke')).toBe('skipped');
    const page = await fetch(appUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Embark');
    const status = await slipway('env', 'status', 'nonprod', '--json');
    expect(JSON.parse(status.stdout).revision).not.toMatch(new RegExp(`run${/slipway show (\d+)/.exec(result.all)![1]}$`));
  });

  it('smoke: names the failing check, and publishes nothing', async () => {
    const result = await slipway('demo', '--fail', 'smoke');
    expect(result.code).toBe(1);
    expect(result.all).toMatch(/✖ Smoke test failed: home page/i);
    const run = await showRun(result.all);
    expect(statusOf(run, 'publish')).toBe('skipped');
  });
});
