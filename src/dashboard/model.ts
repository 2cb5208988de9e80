import type { PromotionStatus } from '../deploy/promotion/index.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import type { RunStatus, StageStatus } from '../shared/state/run-store.ts';

/**
 * The objects the dashboard's JSON API answers with, as `openapi.ts` describes them. Links are
 * paths on the API's own server, so a client behind a proxy resolves them against what it called.
 */

export interface ApiRun {
  id: number;
  project: string;
  branch: string;
  commit: string;
  trigger: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** The release the run created or carried on, when it reached the release stage. */
  release: string | null;
  links: { self: string; events: string };
}

export interface ApiRunPage {
  runs: ApiRun[];
  /** The next page (older runs) with the same filters, or null on the last page. */
  next: string | null;
}

export interface ApiStage {
  stage: string;
  status: StageStatus;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  summary: string | null;
  links: { log: string };
}

export interface ApiArtifact {
  name: string;
  stage: string;
  url: string;
}

export type ApiFeedback = Pick<Feedback, 'stage' | 'kind' | 'message' | 'specific' | 'details' | 'logExcerpt' | 'at' | 'exitCode'> & {
  hint: string | null;
  locations: NonNullable<Feedback['locations']>;
  artifacts: ApiArtifact[];
};

export interface ApiRunDetail {
  run: ApiRun;
  stages: ApiStage[];
  feedback: ApiFeedback[];
  artifacts: ApiArtifact[];
}

export interface ApiLog {
  runId: number;
  stage: string;
  /** The last lines of the stage's log, oldest first. */
  lines: string[];
  /** Whether earlier lines were left out. */
  truncated: boolean;
}

export interface ApiImage {
  service: string;
  repository: string;
  reference: string;
  digest: string;
  size: number;
  tags: string[];
  /** The image's CycloneDX SBOM, when the release made one. */
  sbom: string | null;
}

export interface ApiRelease {
  tag: string;
  version: string;
  project: string;
  commit: string;
  createdAt: string;
  changelog: string;
  /** The run whose release stage created it. */
  runId: number;
  images: ApiImage[];
  packages: Record<string, string>;
  links: { self: string; run: string };
}

export interface ApiPromotion {
  release: string;
  status: PromotionStatus;
  digests: Record<string, string>;
  detail: string | null;
  supersededBy: string | null;
  queuedAt: string;
  startedAt: string | null;
  liveAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface ApiWaiting {
  release: string;
  status: 'queued' | 'awaiting-approval';
  since: string;
  /** The exact command that lets it through the gate; null while it only waits its turn. */
  approveCommand: string | null;
}

export interface ApiEnvironment {
  name: string;
  gate: 'auto' | 'manual';
  stableOnly: boolean;
  live: { tag: string; version: string; commit: string; digests: Record<string, string> } | null;
  /** Every release's latest state here, newest release first. */
  history: ApiPromotion[];
  waiting: ApiWaiting[];
}

export interface ApiRepository {
  project: string;
  repoDir: string;
  /** In promotion order; empty, with `problem` set, when the configuration cannot be read. */
  environments: ApiEnvironment[];
  problem: string | null;
}

export interface ApiError {
  error: 'bad-request' | 'not-found' | 'conflict' | 'unauthorized' | 'method' | 'internal';
  message: string;
}
