import type { ReleaseManifest } from '../../release/manifest.ts';

/** How a release gets into an environment: on its own once stable before, or with an approval too. */
export type Gate = 'auto' | 'manual';

/** One environment in promotion order (the config's `environments`, in declaration order). */
export interface EnvironmentGate {
  name: string;
  gate: Gate;
  /** Prereleases stop before it. */
  stableOnly: boolean;
}

/** What identifies a verified release: the artifact promotion must deploy unchanged. */
export interface ReleaseIdentity {
  tag: string;
  version: string;
  commit: string;
  createdAt: string;
  /** Image digest per service, from the release manifest. */
  digests: Record<string, string>;
}

export type PromotionStatus = 'queued' | 'awaiting-approval' | 'deploying' | 'live' | 'stable' | 'failed' | 'rolled-back' | 'superseded';

/** Where one release stands in one environment. */
export interface PromotionRecord {
  environment: string;
  release: string;
  status: PromotionStatus;
  /** The image digests that entered this environment. */
  digests: Record<string, string>;
  /** The one-line cause of a failure or rollback. */
  detail?: string;
  /** The newer release that took this one's place while it waited. */
  supersededBy?: string;
  queuedAt: string;
  startedAt?: string;
  liveAt?: string;
  finishedAt?: string;
  updatedAt: string;
}

/**
 * A release taken out of an environment by `slipway rollback`: no gate promotes it again, in any
 * environment; a newer release carries the fix.
 */
export interface Withdrawal {
  release: string;
  /** Where it was rolled back, and the release that took its place there. */
  environment: string;
  replacedBy: string;
  by: string;
  reason: string;
  at: string;
}

export interface Approval {
  environment: string;
  release: string;
  by: string;
  at: string;
}

/** What the store knows about one release in one environment: all the planner reads. */
export interface EnvironmentState {
  /** This release's record here, if it ever entered or waited for this environment. */
  record?: PromotionRecord;
  /** The release running here now. */
  live?: ReleaseIdentity;
  /** The newest other release waiting for, deploying to or running in this environment. */
  newestOther?: ReleaseIdentity;
  approval?: Approval;
}

/** One release and its state in every environment: the planner's input, read in one snapshot. */
export interface PromotionView {
  release: ReleaseIdentity;
  environments: Record<string, EnvironmentState>;
  /** Set once the release was rolled back somewhere: nothing promotes it again. */
  withdrawal?: Withdrawal;
}

/** One environment's past and present, as a rollback plans from it (one snapshot). */
export interface EnvironmentHistory {
  environment: string;
  /** The release running there now. */
  live?: ReleaseIdentity;
  /** Every release that was ever stable there, newest first. */
  stable: ReleaseIdentity[];
  /** Every release's latest state there, newest first. */
  records: PromotionRecord[];
  /** Releases rolled back anywhere, by tag. */
  withdrawals: Record<string, Withdrawal>;
  /** The release a rollback was asked to go back to, when one was named and is recorded. */
  requested?: ReleaseIdentity;
}

export function releaseIdentity(manifest: ReleaseManifest): ReleaseIdentity {
  const digests = Object.fromEntries(Object.entries(manifest.images).map(([service, image]) => [service, image.digest]));
  return { tag: manifest.tag, version: manifest.version, commit: manifest.commit, createdAt: manifest.createdAt, digests };
}

/** The environments of a configuration in promotion order, with their gates. */
export function environmentGates(environments: Record<string, { gate: Gate; stableOnly?: boolean }>): EnvironmentGate[] {
  return Object.entries(environments).map(([name, environment]) => ({
    name,
    gate: environment.gate,
    stableOnly: environment.stableOnly ?? isProductionName(name),
  }));
}

/**
 * Whether an environment is named for production: it takes stable releases only unless its config
 * says otherwise, and GitHub marks its deployments production ones.
 */
export function isProductionName(environment: string): boolean {
  return environment === 'prod' || environment === 'production';
}

/** A release's new state in an environment, as the store made it. */
export interface EnvironmentChange {
  record: PromotionRecord;
  /** The release it is about, as recorded. */
  release: ReleaseIdentity;
  /** Where the release serves, once live. */
  url?: string;
  /** Why it was rolled back, once it is (a fresh runner learns it from the forge's deployment). */
  withdrawal?: Withdrawal;
}
