import { describe, expect, it } from 'vitest';
import type { Feedback } from '../../shared/feedback/feedback.ts';
import { shardRecordFormat, type ShardRecord } from './record.ts';
import { shardVerdict } from './verdict.ts';

const at = '2026-01-01T00:00:00.000Z';

function record(index: number, feedback: Feedback[] = []): ShardRecord {
  const failed = feedback.some((item) => item.kind === 'failure');
  return {
    format: shardRecordFormat,
    shard: { index, count: 3 },
    commit: 'abc',
    status: failed ? 'failed' : 'succeeded',
    stages: [
      { stage: 'packages', status: 'succeeded', summary: `${index} built` },
      { stage: 'unit', status: failed ? 'failed' : 'succeeded', summary: failed ? undefined : `${index} passed` },
    ],
    feedback,
    results: [],
    coverage: {},
    unmeasured: [],
    durations: {},
    built: [],
  };
}

const unitFailure: Feedback = {
  runId: 7,
  stage: 'unit',
  kind: 'failure',
  message: 'Unit tests failed',
  specific: '1 test failed in @ci/app',
  details: ['doubles: expected 4'],
  logExcerpt: [],
  artifacts: [],
  at,
  exitCode: 1,
};

describe('shardVerdict', () => {
  it('passes when every shard passed, each stage summed up shard by shard', () => {
    const verdict = shardVerdict([record(1), record(2), record(3)], 42, at);
    expect(verdict.feedback).toEqual([]);
    expect(verdict.lost).toEqual([]);
    expect(verdict.stages).toEqual([
      { stage: 'packages', status: 'succeeded', summary: 'shard 1/3: 1 built; shard 2/3: 2 built; shard 3/3: 3 built' },
      { stage: 'unit', status: 'succeeded', summary: 'shard 1/3: 1 passed; shard 2/3: 2 passed; shard 3/3: 3 passed' },
    ]);
  });

  it("gives a failing shard's feedback as it was, naming the shard, in the merge's run", () => {
    const verdict = shardVerdict([record(1), record(2, [unitFailure]), record(3)], 42, at);
    expect(verdict.feedback).toEqual([{ ...unitFailure, runId: 42, specific: '1 test failed in @ci/app (in shard 2/3)' }]);
    expect(verdict.stages.find((stage) => stage.stage === 'unit')?.status).toBe('failed');
  });

  it('reports a shard without a record as lost, exit code 2, never as a test failure', () => {
    const verdict = shardVerdict([record(1), undefined, record(3)], 42, at);
    expect(verdict.lost).toEqual([2]);
    expect(verdict.feedback).toHaveLength(1);
    expect(verdict.feedback[0]).toMatchObject({
      runId: 42,
      stage: 'shards',
      kind: 'failure',
      message: 'Slipway could not run',
      specific: 'shard 2/3 was lost: it recorded no result (the runner died or was cancelled)',
      exitCode: 2,
    });
  });

  it('puts failing shards first, then lost ones, then warnings', () => {
    const warning: Feedback = { ...unitFailure, kind: 'warning', message: 'Coverage', specific: 'not measured', exitCode: 1 };
    const verdict = shardVerdict([undefined, record(2, [warning]), record(3, [unitFailure])], 42, at);
    expect(verdict.feedback.map((item) => item.specific)).toEqual([
      '1 test failed in @ci/app (in shard 3/3)',
      'shard 1/3 was lost: it recorded no result (the runner died or was cancelled)',
      'not measured (in shard 2/3)',
    ]);
  });
});
