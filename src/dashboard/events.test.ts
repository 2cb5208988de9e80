import { describe, expect, it } from 'vitest';
import { changedStages } from './events.ts';
import type { ApiStage } from './model.ts';

const stage = (name: string, status: ApiStage['status'], over: Partial<ApiStage> = {}): ApiStage => ({
  stage: name,
  status,
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: null,
  durationMs: null,
  summary: null,
  links: { log: `/api/v1/runs/1/logs/${name}` },
  ...over,
});

describe('changedStages', () => {
  it('gives each stage once per state: new, then whenever its status, times or summary change', () => {
    const sent = new Map<string, string>();
    expect(changedStages(sent, [stage('trigger', 'running')]).map((s) => s.stage)).toEqual(['trigger']);
    expect(changedStages(sent, [stage('trigger', 'running')])).toEqual([]);
    const done = stage('trigger', 'succeeded', { finishedAt: '2026-12-01T10:00:01.000Z', summary: 'main @ abc' });
    expect(changedStages(sent, [done, stage('deps', 'running')])).toEqual([done, stage('deps', 'running')]);
    expect(changedStages(sent, [done, stage('deps', 'running')])).toEqual([]);
  });
});
