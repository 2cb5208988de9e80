import { isAbsolute, relative } from 'node:path';
import type { EnvironmentGate, EnvironmentHistory, PromotionRecord } from '../deploy/promotion/index.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunRecord, RunStatus, StageRecord } from '../shared/state/run-store.ts';
import type {
  ApiArtifact,
  ApiEnvironment,
  ApiFeedback,
  ApiPromotion,
  ApiRelease,
  ApiRun,
  ApiRunDetail,
  ApiRunPage,
  ApiStage,
  ApiWaiting,
} from './model.ts';

/** Pure mapping from what the stores hold to what the API answers; the reading is `reader.ts`'s. */

export const apiBase = '/api/v1';

const runStatuses: readonly RunStatus[] = ['running', 'interrupted', 'waiting', 'succeeded', 'failed'];

export interface RunFilter {
  branch?: string;
  status?: RunStatus;
  release?: string;
  /** Only runs older than this one: the page after the one that ended with it. */
  before?: number;
  limit: number;
}

export const defaultPageSize = 20;
export const maxPageSize = 100;

/** The filter a query string asks for, or what is wrong with it (naming the parameter). */
export function parseRunFilter(query: URLSearchParams): RunFilter | { problem: string } {
  const filter: RunFilter = { limit: defaultPageSize };
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    if (values.length > 1) return { problem: `query parameter ${name} is given ${values.length} times; give it once` };
    const [value] = values;
    switch (name) {
      case 'branch':
      case 'release':
        if (value === '') return { problem: `query parameter ${name} is empty` };
        filter[name] = value;
        break;
      case 'status':
        if (!runStatuses.includes(value as RunStatus))
          return { problem: `query parameter status is "${value}", not one of ${runStatuses.join(', ')}` };
        filter.status = value as RunStatus;
        break;
      case 'limit': {
        const limit = positiveInteger(value);
        if (limit === undefined || limit > maxPageSize)
          return { problem: `query parameter limit is "${value}", not a whole number from 1 to ${maxPageSize}` };
        filter.limit = limit;
        break;
      }
      case 'before': {
        const before = positiveInteger(value);
        if (before === undefined) return { problem: `query parameter before is "${value}", not a run number` };
        filter.before = before;
        break;
      }
      default:
        return { problem: `query parameter ${name} is not one this API knows (branch, status, release, limit, before)` };
    }
  }
  return filter;
}

function positiveInteger(value: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(value) ? Number(value) : undefined;
}

export function durationMs(startedAt: string | undefined, finishedAt: string | undefined): number | null {
  return startedAt && finishedAt ? Date.parse(finishedAt) - Date.parse(startedAt) : null;
}

export function apiRun(run: RunRecord, release: string | undefined): ApiRun {
  const self = `${apiBase}/runs/${run.id}`;
  return {
    id: run.id,
    project: run.project,
    branch: run.branch,
    commit: run.commit,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    durationMs: durationMs(run.startedAt, run.finishedAt),
    release: release ?? null,
    links: { self, events: `${self}/events` },
  };
}

/** One page of the runs (given newest first) that pass the filter, and the link to the next. */
export function runPage(runs: readonly ApiRun[], filter: RunFilter): ApiRunPage {
  const matching = runs.filter(
    (run) =>
      (filter.before === undefined || run.id < filter.before) &&
      (filter.branch === undefined || run.branch === filter.branch) &&
      (filter.status === undefined || run.status === filter.status) &&
      (filter.release === undefined || run.release === filter.release),
  );
  const page = matching.slice(0, filter.limit);
  if (matching.length <= filter.limit) return { runs: page, next: null };
  const query = new URLSearchParams();
  for (const name of ['branch', 'status', 'release'] as const) if (filter[name] !== undefined) query.set(name, filter[name]);
  query.set('limit', String(filter.limit));
  query.set('before', String(page.at(-1)!.id));
  return { runs: page, next: `${apiBase}/runs?${query}` };
}

export function apiStage(runId: number, stage: StageRecord): ApiStage {
  return {
    stage: stage.stage,
    status: stage.status,
    startedAt: stage.startedAt ?? null,
    finishedAt: stage.finishedAt ?? null,
    durationMs: durationMs(stage.startedAt, stage.finishedAt),
    summary: stage.summary ?? null,
    links: { log: `${apiBase}/runs/${runId}/logs/${encodeURIComponent(stage.stage)}` },
  };
}

/**
 * The files a run's feedback points at (screenshots, traces) that lie inside its run directory,
 * numbered in feedback order: the API serves them by that number, never by a path it was given.
 */
export function runArtifacts(runId: number, runDir: string, feedback: readonly Feedback[]): { artifact: ApiArtifact; path: string }[] {
  return feedback
    .flatMap((item) => item.artifacts.map((path) => ({ stage: item.stage, path })))
    .filter(({ path }) => isInside(runDir, path))
    .map(({ stage, path }, index) => ({
      path,
      artifact: { name: relative(runDir, path), stage, url: `${apiBase}/runs/${runId}/artifacts/${index}` },
    }));
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export function runDetail(
  run: ApiRun,
  stages: readonly StageRecord[],
  feedback: readonly Feedback[],
  artifacts: readonly { artifact: ApiArtifact; path: string }[],
): ApiRunDetail {
  const kept = new Map(artifacts.map(({ artifact, path }) => [path, artifact]));
  return {
    run,
    stages: stages.map((stage) => apiStage(run.id, stage)),
    feedback: feedback.map((item): ApiFeedback => ({
      stage: item.stage,
      kind: item.kind,
      message: item.message,
      specific: item.specific,
      details: item.details,
      logExcerpt: item.logExcerpt,
      hint: item.hint ?? null,
      locations: item.locations ?? [],
      artifacts: item.artifacts.flatMap((path) => kept.get(path) ?? []),
      at: item.at,
      exitCode: item.exitCode,
    })),
    artifacts: artifacts.map(({ artifact }) => artifact),
  };
}

/** The last `count` lines of a log's text. */
export function logTail(text: string, count: number): { lines: string[]; truncated: boolean } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return { lines: lines.slice(-count), truncated: lines.length > count };
}

export function apiRelease(manifest: ReleaseManifest, runId: number): ApiRelease {
  const self = `${apiBase}/releases/${encodeURIComponent(manifest.tag)}`;
  return {
    tag: manifest.tag,
    version: manifest.version,
    project: manifest.project,
    commit: manifest.commit,
    createdAt: manifest.createdAt,
    changelog: manifest.changelog,
    runId,
    images: Object.entries(manifest.images).map(([service, image]) => ({
      service,
      repository: image.repository,
      reference: image.reference,
      digest: image.digest,
      size: image.size,
      tags: image.tags,
      sbom: image.sbom ? `${self}/sbom/${encodeURIComponent(service)}` : null,
    })),
    packages: manifest.packages,
    links: { self, run: `${apiBase}/runs/${runId}` },
  };
}

/** Where the command is run from decides the home it uses: the exact one names both when they differ. */
export function approveCommand(
  environment: string,
  tag: string,
  where: { repoDir: string; homeRoot: string; defaultHome: string },
): string {
  const home = where.homeRoot === where.defaultHome ? '' : ` --home ${shellWord(where.homeRoot)}`;
  return `slipway approve ${shellWord(environment)} ${shellWord(tag)} --repo ${shellWord(where.repoDir)}${home}`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function apiPromotion(record: PromotionRecord): ApiPromotion {
  return {
    release: record.release,
    status: record.status,
    digests: record.digests,
    detail: record.detail ?? null,
    supersededBy: record.supersededBy ?? null,
    queuedAt: record.queuedAt,
    startedAt: record.startedAt ?? null,
    liveAt: record.liveAt ?? null,
    finishedAt: record.finishedAt ?? null,
    updatedAt: record.updatedAt,
  };
}

/** One environment: its gate, what runs there, its history, and what waits at it. */
export function apiEnvironment(gate: EnvironmentGate, history: EnvironmentHistory, approve: (tag: string) => string): ApiEnvironment {
  const waiting = history.records
    .filter((record) => record.status === 'queued' || record.status === 'awaiting-approval')
    .map((record): ApiWaiting => ({
      release: record.release,
      status: record.status as ApiWaiting['status'],
      since: record.updatedAt,
      approveCommand: record.status === 'awaiting-approval' ? approve(record.release) : null,
    }));
  const live = history.live;
  return {
    name: gate.name,
    gate: gate.gate,
    stableOnly: gate.stableOnly,
    live: live ? { tag: live.tag, version: live.version, commit: live.commit, digests: live.digests } : null,
    history: history.records.map(apiPromotion),
    waiting,
  };
}
