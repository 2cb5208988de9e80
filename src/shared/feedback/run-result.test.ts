import { describe, expect, it } from 'vitest';
import type { RunRecord, StageRecord } from '../state/run-store.ts';
import { runResult } from './run-result.ts';

const run: RunRecord = {
  id: 4,
  project: 'embark',
  repoDir: '/repo',
  commit: 'abc',
  branch: 'main',
  trigger: 'manual',
  status: 'succeeded',
  startedAt: '2026-01-01T00:00:00.000Z',
};
const stage = (name: string, status: StageRecord['status'], summary?: string, outputs?: unknown): StageRecord => ({
  runId: 4,
  stage: name,
  status,
  summary,
  outputs,
});
const released = stage('release', 'succeeded', 'draft release v1.5.0', {
  manifest: { project: 'embark', version: '1.5.0', tag: 'v1.5.0' },
});

describe('runResult', () => {
  it('names the failures of a failed run', () => {
    expect(runResult(run, [], ['Unit tests failed', 'Browser tests failed'])).toEqual({
      outcome: 'failed',
      line: 'Run #4 failed: Unit tests failed; Browser tests failed',
    });
  });

  it('says what a rollback did: where, from what, to what, and why', () => {
    const rolledBack = stage('rollback', 'succeeded', 'rolled back prod from v1.5.0 to v1.4.0: checkout answers 500');
    expect(runResult(run, [rolledBack], [])).toEqual({
      outcome: 'succeeded',
      line: 'Run #4: rolled back prod from v1.5.0 to v1.4.0: checkout answers 500',
    });
  });

  it('says what a successful run did: checked, handed off, published, promoted', () => {
    expect(runResult({ ...run, trigger: 'ci' }, [], []).line).toBe('Run #4: built and tested');
    expect(runResult(run, [released], [], 'its webhook went to slipway serve').line).toBe(
      'Run #4: release v1.5.0 created; its webhook went to slipway serve',
    );
    expect(runResult(run, [released, stage('publish', 'succeeded')], []).line).toBe('Published embark 1.5.0 (v1.5.0)');
    expect(runResult(run, [released, stage('promote', 'succeeded')], []).line).toBe('Run #4: v1.5.0 promoted');
  });

  it('says why a release stopped short of publishing, but not for a stage that merely did not run', () => {
    const waiting = stage('deploy', 'skipped', 'nonprod waits for approval: run `slipway approve nonprod v1.5.0`');
    expect(runResult(run, [released, waiting], [])).toEqual({
      outcome: 'stopped',
      line: 'Run #4: v1.5.0 not published: nonprod waits for approval: run `slipway approve nonprod v1.5.0`',
    });
    expect(runResult(run, [released, stage('deploy', 'skipped', 'not run: integration did not succeed')], []).line).toBe(
      'Run #4: v1.5.0 not published',
    );
  });
});
