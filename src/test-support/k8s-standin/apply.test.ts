import { describe, expect, it } from 'vitest';
import { fieldPaths, serverSideApply, toFieldsV1 } from './apply.ts';

const configMap = (data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', ...(labels ? { labels } : {}) },
  data,
});

describe('serverSideApply', () => {
  it('tracks ownership per key and encodes it as FieldsV1', () => {
    expect(fieldPaths(configMap({ a: '1' }, { app: 'x' }))).toEqual([
      ['metadata', 'labels', 'app'],
      ['data', 'a'],
    ]);
    expect(
      toFieldsV1([
        ['data', 'a'],
        ['data', 'b'],
      ]),
    ).toEqual({ 'f:data': { 'f:a': {}, 'f:b': {} } });
  });

  it('removes a field the manager no longer applies, but keeps what another manager owns', () => {
    const first = serverSideApply({ config: configMap({ a: '1', b: '2' }), manager: 'slipway', force: false, now: 't1' });
    const second = serverSideApply({ existing: first.object, config: configMap({ c: '3' }), manager: 'ops', force: false, now: 't2' });
    const third = serverSideApply({ existing: second.object, config: configMap({ a: '1' }), manager: 'slipway', force: false, now: 't3' });
    expect(third.object?.data).toEqual({ a: '1', c: '3' });
    expect((third.object?.metadata as { managedFields: { manager: string }[] }).managedFields.map((e) => e.manager)).toEqual([
      'ops',
      'slipway',
    ]);
  });

  it('reports a changed value owned by another manager as a conflict, and force takes ownership', () => {
    const first = serverSideApply({ config: configMap({ a: '1' }), manager: 'slipway', force: false, now: 't1' });
    const clash = serverSideApply({ existing: first.object, config: configMap({ a: '2' }), manager: 'ops', force: false, now: 't2' });
    expect(clash.conflicts).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "slipway" using v1', field: '.data.a' }]);
    const same = serverSideApply({ existing: first.object, config: configMap({ a: '1' }), manager: 'ops', force: false, now: 't2' });
    expect(same.conflicts).toEqual([]);
    const forced = serverSideApply({ existing: first.object, config: configMap({ a: '2' }), manager: 'ops', force: true, now: 't2' });
    expect(forced.object?.data).toEqual({ a: '2' });
    expect((forced.object?.metadata as { managedFields: { manager: string }[] }).managedFields.map((e) => e.manager)).toEqual(['ops']);
  });
});
