import { describe, expect, it } from 'vitest';
import { recordConfigMap, recordOf, recordsBeyond, type RevisionRecord, type RevisionStatus } from './history-record.ts';

const record = (revision: number, status: RevisionStatus): RevisionRecord => ({
  revision,
  project: 'embark',
  environment: 'dev',
  namespace: 'embark-dev',
  release: `v1.${revision}.0`,
  version: `1.${revision}.0`,
  commit: 'c'.repeat(40),
  time: '2026-01-02T03:04:05.000Z',
  status,
  objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'embark-dev' }, data: { x: '1' } }],
});

describe('revision records', () => {
  it('round-trip through their ConfigMap, labelled as history and without Secrets', () => {
    const withSecret = {
      ...record(3, 'rolled-back'),
      reason: 'deployment x never became ready',
      objects: [
        ...record(3, 'deployed').objects,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } },
      ],
    };
    const configMap = recordConfigMap(withSecret);
    expect(configMap.metadata).toMatchObject({
      name: 'embark-revision-3',
      namespace: 'embark-dev',
      labels: { 'slipway.dev/history': 'revision', 'slipway.dev/revision': '3', 'slipway.dev/status': 'rolled-back' },
    });
    expect(JSON.stringify(configMap)).not.toContain('hunter2');
    expect(recordOf(configMap as never)).toEqual({ ...withSecret, objects: record(3, 'deployed').objects });
  });

  it('ignores a ConfigMap that is not a record', () => {
    expect(recordOf({ data: { revision: 'x', project: 'embark', 'objects.json': '[]' } })).toBeUndefined();
    expect(recordOf({ data: { revision: '2', project: 'embark', 'objects.json': '{not json' } })).toBeUndefined();
  });

  it('trims the oldest beyond the maximum, but never the deployed revision', () => {
    const history = [
      record(1, 'superseded'),
      record(2, 'deployed'),
      record(3, 'rolled-back'),
      record(4, 'rolled-back'),
      record(5, 'failed'),
    ];
    expect(recordsBeyond(history, 5)).toEqual([]);
    expect(recordsBeyond(history, 3).map((r) => r.revision)).toEqual([1, 3]);
    expect(recordsBeyond(history, 1).map((r) => r.revision)).toEqual([1, 3, 4, 5]);
  });
});
