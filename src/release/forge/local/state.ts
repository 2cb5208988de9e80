/** What the embedded forge keeps for its repository, in one JSON file. */

export interface ForgeState extends FeedbackState {
  nextId: number;
  createdAt: string;
  releases: StoredRelease[];
  events: StoredEvent[];
}

export interface StoredEvent {
  id: number;
  event: string;
  action?: string;
  /** The payload as sent: a redelivery sends the event as it was when it happened. */
  body: string;
  deliveries: Record<string, { deliveryId: string; delivered: boolean; attempts: number; lastError?: string }>;
}

export interface StoredRelease {
  id: number;
  tag: string;
  name: string;
  body: string;
  commit: string;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  assets: StoredAsset[];
}

export interface StoredAsset {
  id: number;
  name: string;
  contentType: string;
  size: number;
  digest: string;
  createdAt: string;
}

/** Check runs, commit statuses, deployments and pull-request comments, as the embedded forge keeps them. */
export interface FeedbackState {
  checkRuns: StoredCheckRun[];
  statuses: StoredStatus[];
  deployments: StoredDeployment[];
  comments: StoredComment[];
}

export interface StoredCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: Record<string, unknown>[];
}

export interface StoredStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
}

export interface StoredDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: Record<string, unknown>;
  transient: boolean;
  production: boolean;
  createdAt: string;
  statuses: { id: number; state: string; description: string; environmentUrl: string; logUrl: string; createdAt: string }[];
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  createdAt: string;
  updatedAt: string;
}
