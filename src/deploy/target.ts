import type { ReleaseManifest } from '../release/manifest.ts';
import type { KubeObject } from './kubernetes/manifests/types.ts';
import type { ObserveOptions } from './verify/stability/observe.ts';

/**
 * Where a release's services run once deployed to an environment: a Kubernetes cluster, or the
 * local runtime of the embedded default. Stages and promotions use only this interface; which
 * implementation an environment gets is decided in one place (targets.ts).
 */
export interface DeployTarget {
  readonly environment: string;
  /**
   * Checks that the target can be reached, and says where it is ("cluster eks at https://… through
   * /ci/kubeconfig"); undefined when there is nothing to reach (the local runtime).
   */
  connect(): Promise<string | undefined>;
  /** The environment's Kubernetes objects for a release, images pinned by digest: every target validates them. */
  render(release: ReleaseManifest): KubeObject[];
  /** What the target checks of rendered objects without changing the environment. */
  dryRun(objects: KubeObject[], log: (line: string) => void): Promise<DryRunReport>;
  /**
   * Deploys a release and waits until it serves. On failure the environment is put back as it was
   * (the revision before keeps serving, or a first deploy is removed) and the Failure says so.
   */
  deploy(request: DeployRequest): Promise<DeployedEnvironment>;
  /** What runs in the environment now and its recent deploys; undefined when nothing was ever deployed. */
  status(): Promise<EnvironmentStatus | undefined>;
  /** The health probes, restart count and error-log readers a stability window observes. */
  signals(deployed: DeployedEnvironment): Promise<StabilitySignals>;
  /** Stops and removes what the target runs for the environment (its history and secrets aside). */
  teardown(log: (line: string) => void): Promise<void>;
  /**
   * Offers a release for review where it waits at a manual gate, for targets whose environments
   * change by review (a GitOps deploy repository's branch and pull request). Idempotent.
   */
  propose?(release: ReleaseManifest, log: (line: string) => void): Promise<Proposal>;
  /**
   * Whether an approved release can go in now: false while what `propose` offered is not accepted
   * yet (its pull request not merged), so the release keeps waiting at the gate instead of failing.
   * A target without a review of its own takes any approved release.
   */
  accepted?(release: ReleaseManifest): Promise<boolean>;
}

/** What a person reviews before approving a release at a manual gate. */
export interface Proposal {
  /** What to do, in one line: "merge slipway/prod/v1.2.0 into main of git@…:acme/deploy.git (pull request #4: https://…)". */
  description: string;
  url?: string;
}

export interface DeployRequest {
  release: ReleaseManifest;
  /** The run deploying it: a local revision is named after it. */
  runId: number;
  log: (line: string) => void;
  /**
   * Set when `slipway rollback` puts this earlier release back in place of `from`: a person asked
   * for it, so the environment's review (a GitOps pull request) is not asked for again.
   */
  rollback?: { from: string; reason: string };
}

/** A release serving in an environment. */
export interface DeployedEnvironment {
  environment: string;
  /** The front door, where smoke tests go. */
  url: string;
  revision: string;
  services: { name: string; url: string }[];
  /** Set when the environment is a namespace of a Kubernetes cluster. */
  namespace?: string;
  /** What the deploy could not confirm, in one line, for the stage's summary. */
  note?: string;
}

export interface DryRunReport {
  /** The checks done beyond schema and policy, e.g. "server-dry-run", "ephemeral-rollout". */
  checked: string[];
  /** One line on what they showed, or why there were none. */
  summary: string;
}

export interface EnvironmentStatus {
  url: string | undefined;
  revision: string | undefined;
  services: ServiceStatus[];
  /** Recent deploys, oldest first. */
  history: DeployRecord[];
}

export interface ServiceStatus {
  name: string;
  url: string;
  /** Whether it serves: its process runs, or its Deployment has an available replica. */
  alive: boolean;
  /** Restarts of its process or containers. */
  restarts: number;
  /** On the local runtime: the supervisor's pid, the process that owns (and restarts) the service. */
  pid?: number;
}

/** One deploy in an environment's history. */
export interface DeployRecord {
  revision: string;
  /** ISO time of the deploy. */
  at: string;
  outcome: 'deployed' | 'superseded' | 'rolled-back' | 'failed';
  /** Why it failed: one line, no secrets. */
  reason?: string;
}

export type StabilitySignals = Omit<ObserveOptions, 'thresholds'>;
