import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkTreeListing } from '../build/workspace/index.ts';
import type { UserConfig } from '../config/schema.ts';
import { validateConfig } from '../config/validate.ts';
import { runStages } from '../engine/engine.ts';
import type { PipelineEvent } from '../engine/events.ts';
import { buildServiceImage, type BuiltImage } from '../release/image/index.ts';
import { openRunAdapters } from '../run/adapters.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { createHome, homeAt } from '../shared/home.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { startAdvisoryService, type AdvisoryServiceStandIn } from '../test-support/advisory-service.ts';
import { createTestImageSpec } from '../test-support/image-workspace.ts';
import { scan, type ScanOutputs } from './scan.ts';

// The gate as a run meets it: a real image built from a workspace that installs minimist 1.2.0
// (critical: GHSA-xvch-5gv4-984h) and lodash 4.17.21 (fixed), the engine running the scan stage,
// and the advisory service a loopback stand-in named by the repository's .npmrc, as npm reads it.
let dir: string;
let repoDir: string;
let built: BuiltImage;
let service: AdvisoryServiceStandIn;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-scan-'));
  const spec = await createTestImageSpec(dir);
  repoDir = spec.workspaceRoot;
  const files: Record<string, string> = {
    'packages/backend/package.json': JSON.stringify({
      name: '@embark/backend',
      version: '1.4.0',
      dependencies: { '@embark/shared': '*', 'left-pad': '^1.0.0', minimist: '^1.2.0', lodash: '^4.17.0' },
    }),
    'node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.0', license: 'MIT' }),
    'node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.21', license: 'MIT' }),
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(repoDir, path)), { recursive: true });
    await writeFile(join(repoDir, path), content);
  }
  built = await buildServiceImage(spec);
});

afterAll(async () => {
  await service?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await service?.close();
  service = await startAdvisoryService();
  await writeFile(join(repoDir, '.npmrc'), `registry=${service.registry}\n`);
});

/** Runs the scan stage through the engine after the image stage, with this security configuration. */
async function runScan(security: UserConfig['security']) {
  const home = homeAt(await mkdtemp(join(dir, 'home-')));
  await createHome(home);
  const config = validateConfig({ project: 'embark', security }, 'slipway.config.ts');
  const store = new RunStore(home.stateDb);
  const run = store.createRun({ project: 'embark', repoDir, commit: 'abc123', branch: 'main', trigger: 'test' });
  store.setStage(run.id, 'image', 'succeeded', { outputs: { images: { backend: built }, versions: { backend: '1.4.0' } } });
  const redactor = new Redactor();
  const adapters = openRunAdapters({ home, config, repoDir, webhooks: [], redactor });
  const events: PipelineEvent[] = [];
  try {
    const failures: Feedback[] = await runStages({
      store,
      stages: [scan],
      listener: (event) => events.push(event),
      context: { run, config, repoDir, home, runDir: home.runDir(run.id), redactor, adapters, workTree: new WorkTreeListing(repoDir) },
    });
    const stored = store.stage(run.id, 'scan');
    return {
      failures,
      outputs: stored?.outputs as ScanOutputs | undefined,
      summary: stored?.summary,
      warnings: events.flatMap((event) => (event.type === 'notice' && event.level === 'warning' ? [event.message] : [])),
      // A stage that logs nothing leaves no log file.
      log: await readFile(join(home.runDir(run.id), 'logs', 'scan.log'), 'utf8').catch(() => ''),
    };
  } finally {
    await adapters.close();
    store.close();
  }
}

const minimistDetail =
  'backend: minimist@1.2.0: critical: Prototype Pollution in minimist (1097678, https://github.com/advisories/GHSA-xvch-5gv4-984h); fixed in 1.2.6';

describe('the scan stage', () => {
  it("fails the release on a vulnerable production dependency, naming it, after asking the repository's registry about the image's packages", async () => {
    const result = await runScan({});
    expect(result.failures).toHaveLength(1);
    const [failure] = result.failures;
    expect(failure).toMatchObject({
      stage: 'scan',
      message: 'Image has known vulnerabilities',
      specific: '1 advisory at or above high in 1 package of the backend image',
      details: [minimistDetail],
      exitCode: 1,
    });
    expect(failure.hint).toContain('upgrade each package to its fixed version');
    expect(failure.hint).toContain("security.exceptions: [{ advisory: 'GHSA-xvch-5gv4-984h', package: 'minimist'");
    // One bulk request: the image's installed registry packages, not the monorepo's own.
    expect(service.requests).toEqual([
      { 'left-pad': ['1.3.0'], lodash: ['4.17.21'], minimist: ['1.2.0'], ms: ['2.1.3'], 'pad-core': ['2.0.0'] },
    ]);
  });

  it('lets an exception in date accept the advisory: the release goes on, and its scan keeps the accepted finding', async () => {
    const result = await runScan({
      exceptions: [
        {
          advisory: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
          package: 'minimist',
          reason: 'parses our own CLI flags only',
          expires: '2999-12-31',
        },
      ],
    });
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.summary).toBe('backend 5 packages, advisories: 1 accepted');
    expect(result.outputs?.scans.backend).toEqual({
      status: 'scanned',
      advisoryService: `${service.registry}-/npm/v1/security/advisories/bulk`,
      failOn: 'high',
      packages: 5,
      findings: [
        {
          package: 'minimist',
          version: '1.2.0',
          advisory: {
            id: 1097678,
            title: 'Prototype Pollution in minimist',
            url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
            severity: 'critical',
          },
          fixedIn: '1.2.6',
          accepted: { reason: 'parses our own CLI flags only', expires: '2999-12-31' },
        },
      ],
    });
    expect(result.log).toContain(`${minimistDetail}; accepted until 2999-12-31: parses our own CLI flags only`);
  });

  it('warns about an expired exception, naming it, and fails: it no longer applies', async () => {
    const result = await runScan({
      exceptions: [{ advisory: 1097678, package: 'minimist', reason: 'parses our own CLI flags only', expires: '2020-01-31' }],
    });
    expect(result.warnings).toEqual([
      'scan: the security exception for 1097678 (minimist) expired on 2020-01-31 and no longer applies: renew it with a new date, or upgrade (its reason was: parses our own CLI flags only)',
    ]);
    expect(result.failures.map((failure) => failure.details)).toEqual([[minimistDetail]]);
  });

  it('reports advisories without failing when failOn is "none"', async () => {
    const result = await runScan({ failOn: 'none' });
    expect(result.failures).toEqual([]);
    expect(result.summary).toBe('backend 5 packages, advisories: 1 below the gate');
    expect(result.outputs?.scans.backend).toMatchObject({
      status: 'scanned',
      failOn: 'none',
      findings: [{ package: 'minimist', fixedIn: '1.2.6' }],
    });
  });

  it('warns when the advisory service is down and releases the images as not scanned, never as passed', async () => {
    await service.close();
    const result = await runScan({});
    expect(result.failures).toEqual([]);
    const reason = `could not reach ${service.registry}-/npm/v1/security/advisories/bulk: ECONNREFUSED`;
    expect(result.warnings).toEqual([`scan: ${reason}: the images are released as not scanned`]);
    expect(result.summary).toBe(`not scanned: ${reason}`);
    expect(result.outputs?.scans).toEqual({
      backend: { status: 'not-scanned', advisoryService: `${service.registry}-/npm/v1/security/advisories/bulk`, reason },
    });
  });

  it("fails as Slipway's own failure, not the change's, when the configuration says an unreachable service fails", async () => {
    await service.close();
    const result = await runScan({ advisoryService: { unreachable: 'fail' } });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      stage: 'scan',
      message: 'Slipway could not run',
      specific: 'the advisory service could not be used, so the images were not scanned',
      details: [
        `could not reach ${service.registry}-/npm/v1/security/advisories/bulk: ECONNREFUSED`,
        'This is the advisory service or the network, not your change.',
      ],
      exitCode: 2,
    });
    expect(result.failures[0].hint).toContain("security.advisoryService.unreachable to 'warn'");
  });

  it('is not scanned, never passed, when npm cannot say which registry the repository uses', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'no-programs-here');
    try {
      const result = await runScan({});
      expect(result.failures).toEqual([]);
      expect(result.outputs?.scans.backend).toMatchObject({
        status: 'not-scanned',
        reason: expect.stringMatching(/^npm could not say which registry the repository uses/),
      });
      expect(result.warnings).toHaveLength(1);
      expect(service.requests).toEqual([]);
    } finally {
      process.env.PATH = path;
    }
  });

  it('counts a service that answers an error, or something other than advisories, as unreachable', async () => {
    service.mode = 'server-error';
    const failed = await runScan({});
    expect(failed.summary).toBe(`not scanned: ${service.registry}-/npm/v1/security/advisories/bulk answered HTTP 503 Service Unavailable`);
    service.mode = 'not-advisories';
    const garbled = await runScan({});
    expect(garbled.summary).toBe(
      `not scanned: ${service.registry}-/npm/v1/security/advisories/bulk answered something that is not JSON: <html>maintenance</html>`,
    );
    expect([...failed.failures, ...garbled.failures]).toEqual([]);
  });
});
