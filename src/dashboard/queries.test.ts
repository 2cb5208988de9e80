import { describe, expect, it } from 'vitest';
import type { EnvironmentHistory, PromotionRecord } from '../deploy/promotion/index.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunRecord } from '../shared/state/run-store.ts';
import { embarkRelease } from '../test-support/manifest-fixtures.ts';
import {
  apiEnvironment,
  apiRelease,
  apiRun,
  approveCommand,
  logTail,
  parseRunFilter,
  runArtifacts,
  runDetail,
  runPage,
} from './queries.ts';

const run = (id: number, over: Partial<RunRecord> = {}): RunRecord => ({
  id,
  project: 'embark',
  repoDir: '/repos/embark',
  commit: 'c'.repeat(40),
  branch: 'main',
  trigger: 'push to main',
  status: 'succeeded',
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:01:30.500Z',
  ...over,
});

describe('parseRunFilter', () => {
  it('reads the filters and paging, with 20 runs a page unless asked', () => {
    expect(parseRunFilter(new URLSearchParams('branch=feature/x&status=failed&release=v1.5.0&limit=5&before=40'))).toEqual({
      branch: 'feature/x',
      status: 'failed',
      release: 'v1.5.0',
      limit: 5,
      before: 40,
    });
    expect(parseRunFilter(new URLSearchParams(''))).toEqual({ limit: 20 });
  });

  it('names the parameter that is wrong and what it takes', () => {
    const problem = (query: string) => (parseRunFilter(new URLSearchParams(query)) as { problem: string }).problem;
    expect(problem('status=done')).toBe('query parameter status is "done", not one of running, interrupted, waiting, succeeded, failed');
    expect(problem('limit=0')).toBe('query parameter limit is "0", not a whole number from 1 to 100');
    expect(problem('limit=101')).toBe('query parameter limit is "101", not a whole number from 1 to 100');
    expect(problem('before=-3')).toBe('query parameter before is "-3", not a run number');
    expect(problem('branch=')).toBe('query parameter branch is empty');
    expect(problem('branch=a&branch=b')).toBe('query parameter branch is given 2 times; give it once');
    expect(problem('sort=id')).toBe('query parameter sort is not one this API knows (branch, status, release, limit, before)');
  });
});

describe('runPage', () => {
  const runs = [
    apiRun(run(5, { branch: 'feature/x', status: 'failed' }), undefined),
    apiRun(run(4), 'v1.5.0'),
    apiRun(run(3, { branch: 'feature/x' }), undefined),
    apiRun(run(2), 'v1.4.0'),
    apiRun(run(1), undefined),
  ];

  it('filters by branch, status and release', () => {
    const ids = (query: string) => runPage(runs, parseRunFilter(new URLSearchParams(query)) as never).runs.map((r) => r.id);
    expect(ids('branch=feature/x')).toEqual([5, 3]);
    expect(ids('status=succeeded')).toEqual([4, 3, 2, 1]);
    expect(ids('release=v1.4.0')).toEqual([2]);
    expect(ids('branch=main&status=failed')).toEqual([]);
  });

  it('pages older runs by the last one seen, keeping the filters in the next link', () => {
    const first = runPage(runs, { branch: 'main', limit: 2 });
    expect(first.runs.map((r) => r.id)).toEqual([4, 2]);
    expect(first.next).toBe('/api/v1/runs?branch=main&limit=2&before=2');
    const second = runPage(runs, parseRunFilter(new URL(first.next!, 'http://x').searchParams) as never);
    expect(second).toEqual({ runs: [runs[4]], next: null });
  });
});

describe('apiRun', () => {
  it('gives its duration, release and links; a run still going has neither end nor duration', () => {
    expect(apiRun(run(7), 'v1.5.0')).toMatchObject({
      id: 7,
      durationMs: 90_500,
      release: 'v1.5.0',
      links: { self: '/api/v1/runs/7', events: '/api/v1/runs/7/events' },
    });
    expect(apiRun(run(8, { status: 'running', finishedAt: undefined }), undefined)).toMatchObject({
      finishedAt: null,
      durationMs: null,
      release: null,
    });
  });
});

describe('runDetail and runArtifacts', () => {
  const feedback: Feedback = {
    runId: 9,
    stage: 'browser',
    kind: 'failure',
    message: 'Browser tests failed',
    specific: '1 test failed',
    details: [],
    logExcerpt: ['expected ok'],
    artifacts: ['/home/runs/9/artifacts/shot.png', '/etc/passwd', '/home/runs/9/../8/trace.zip', '/home/runs/9/artifacts/trace.zip'],
    locations: [{ file: 'e2e/home.spec.ts', line: 12, message: 'expected ok' }],
    at: '2026-12-01T10:01:00.000Z',
    exitCode: 1,
  };

  it('numbers only the artifacts inside the run directory, and links each feedback item to its own', () => {
    const artifacts = runArtifacts(9, '/home/runs/9', [feedback]);
    expect(artifacts.map(({ artifact }) => artifact)).toEqual([
      { name: 'artifacts/shot.png', stage: 'browser', url: '/api/v1/runs/9/artifacts/0' },
      { name: 'artifacts/trace.zip', stage: 'browser', url: '/api/v1/runs/9/artifacts/1' },
    ]);
    const detail = runDetail(
      apiRun(run(9), undefined),
      [
        {
          runId: 9,
          stage: 'browser',
          status: 'failed',
          startedAt: '2026-12-01T10:00:00.000Z',
          finishedAt: '2026-12-01T10:00:02.000Z',
          summary: '1 test failed',
        },
      ],
      [feedback],
      artifacts,
    );
    expect(detail.stages).toEqual([
      {
        stage: 'browser',
        status: 'failed',
        startedAt: '2026-12-01T10:00:00.000Z',
        finishedAt: '2026-12-01T10:00:02.000Z',
        durationMs: 2000,
        summary: '1 test failed',
        links: { log: '/api/v1/runs/9/logs/browser' },
      },
    ]);
    expect(detail.feedback[0]).toMatchObject({ hint: null, locations: feedback.locations, artifacts: detail.artifacts });
  });
});

describe('logTail', () => {
  it('keeps the last lines and says whether earlier ones were left out', () => {
    expect(logTail('a\nb\nc\n', 2)).toEqual({ lines: ['b', 'c'], truncated: true });
    expect(logTail('a\nb\n', 2)).toEqual({ lines: ['a', 'b'], truncated: false });
    expect(logTail('', 5)).toEqual({ lines: [], truncated: false });
  });
});

describe('apiRelease', () => {
  it('lists images by digest, with an SBOM link only where the release made one', () => {
    const manifest = embarkRelease();
    manifest.images.backend.sbom = 'sbom-backend.cdx.json';
    const release = apiRelease(manifest, 3);
    expect(release.images.map((image) => [image.service, image.digest, image.sbom])).toEqual([
      ['backend', manifest.images.backend.digest, '/api/v1/releases/v1.5.0/sbom/backend'],
      ['frontend', manifest.images.frontend.digest, null],
    ]);
    expect(release.links).toEqual({ self: '/api/v1/releases/v1.5.0', run: '/api/v1/runs/3' });
  });
});

describe('approveCommand', () => {
  it('names the repository, and the home when it is not the repository default; quotes what the shell would split', () => {
    const where = { repoDir: '/repos/embark', homeRoot: '/repos/embark/.slipway', defaultHome: '/repos/embark/.slipway' };
    expect(approveCommand('prod', 'v1.5.0', where)).toBe('slipway approve prod v1.5.0 --repo /repos/embark');
    expect(approveCommand('prod', 'v1.5.0', { ...where, repoDir: "/my repos/it's", homeRoot: '/srv/slipway' })).toBe(
      "slipway approve prod v1.5.0 --repo '/my repos/it'\\''s' --home /srv/slipway",
    );
  });
});

describe('apiEnvironment', () => {
  const record = (release: string, status: PromotionRecord['status']): PromotionRecord => ({
    environment: 'prod',
    release,
    status,
    digests: {},
    queuedAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:05:00.000Z',
  });

  it('shows what runs there, its history, and what waits with the command that lets it through', () => {
    const live = {
      tag: 'v1.4.0',
      version: '1.4.0',
      commit: 'b'.repeat(40),
      createdAt: '2026-11-30T00:00:00.000Z',
      digests: { backend: 'sha256:' + 'a'.repeat(64) },
    };
    const history: EnvironmentHistory = {
      environment: 'prod',
      live,
      stable: [live],
      records: [record('v1.5.0', 'awaiting-approval'), record('v1.4.0', 'stable')],
      withdrawals: {},
    };
    const environment = apiEnvironment({ name: 'prod', gate: 'manual', stableOnly: true }, history, (tag) => `slipway approve prod ${tag}`);
    expect(environment.live).toEqual({ tag: 'v1.4.0', version: '1.4.0', commit: 'b'.repeat(40), digests: live.digests });
    expect(environment.history.map((entry) => [entry.release, entry.status])).toEqual([
      ['v1.5.0', 'awaiting-approval'],
      ['v1.4.0', 'stable'],
    ]);
    expect(environment.waiting).toEqual([
      { release: 'v1.5.0', status: 'awaiting-approval', since: '2026-12-01T10:05:00.000Z', approveCommand: 'slipway approve prod v1.5.0' },
    ]);
  });
});
