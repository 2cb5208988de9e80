import { join } from 'node:path';
import type { RunCaches } from '../build/cache/index.ts';
import type { WorkTreeListing } from '../build/workspace/index.ts';
import type { Config } from '../config/schema.ts';
import type { DeployLease, PromotionStore } from '../deploy/promotion/index.ts';
import type { DeployedEnvironment, DeployTarget, Proposal } from '../deploy/target.ts';
import type { SmokeResults } from '../deploy/verify/smoke/index.ts';
import type { StabilityVerdict } from '../deploy/verify/stability/index.ts';
import { StageStopped, type EngineContext, type Stage } from '../engine/stage.ts';
import type { Forge } from '../release/forge/forge.ts';
import type { DeliveryRecord } from '../release/forge/local/server.ts';
import type { LiveRegistry } from '../release/registry/index.ts';
import type { Home } from '../shared/home.ts';
import type { ProcessRef } from '../shared/process.ts';
import type { RunRecord } from '../shared/state/run-store.ts';
import type { ShardRun } from '../build/shard/shard-run.ts';

/** Which half of the pipeline a stage belongs to: CI runs on the merge, release on the webhook. */
export type Phase = 'ci' | 'release';

/** What every stage of the pipeline gets: the engine's context, the run's configuration and repository, and the adapters. */
export interface StageContext extends EngineContext {
  run: RunRecord;
  config: Config;
  repoDir: string;
  home: Home;
  adapters: Adapters;
  /** The repository's files as this run lists them, once (a stage that may change them says so). */
  workTree: WorkTreeListing;
  /** Set when this run is one shard of its commit's checks (`slipway ci --shard`). */
  shard?: ShardRun;
}

/** A stage of the pipeline: the engine's stage shape, in one half of the pipeline. */
export interface PipelineStage<Out = unknown> extends Stage<StageContext, Out> {
  phase: Phase;
}

/** The outside world a run talks to, opened on first use and shared by every stage of the run. */
export interface Adapters {
  registry(): Promise<LiveRegistry>;
  forge(): Promise<Forge>;
  /** Waits for the embedded forge's webhook deliveries; returns those that failed (GitHub delivers on its own: none). */
  settleForge(): Promise<DeliveryRecord[]>;
  /** The run's caches (local, and the remote one when configured). */
  caches(): Promise<RunCaches>;
  /** Where an environment's releases are deployed: its cluster, or the local runtime. */
  deployTarget(environment: string): Promise<DeployTarget>;
  /** Which release is where, gates and deploy leases: shared by every run of the project. */
  promotions(): Promise<PromotionStore>;
  /** Keeps an environment's deploy lease until `releaseLease` or the end of the run. */
  holdLease(lease: DeployLease): void;
  releaseLease(environment: string): void;
  /**
   * Records a server this run started and will stop (a database for integration tests), so a
   * later run stops it if this one is killed first; the returned function forgets it.
   */
  recordChild(child: ProcessRef, what: string): Promise<() => Promise<void>>;
  chromiumPath: string;
}

/**
 * Runs a step (deploy, smoke, stability) in the run's own environment: a failure is recorded
 * against the release there, and its deploy lease let go.
 */
export async function inFirstEnvironment<T>(ctx: StageContext, environment: string, tag: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof StageStopped)) {
      (await ctx.adapters.promotions()).markFailed(environment, tag, (error as Error).message);
      ctx.adapters.releaseLease(environment);
    }
    throw error;
  }
}

/** Records each process a step starts as `what`, for as long as it runs (see Adapters.recordChild). */
export function tracked(ctx: StageContext, what: string): (child: ProcessRef) => Promise<() => Promise<void>> {
  return (child) => ctx.adapters.recordChild(child, what);
}

/** The smoke checks against an environment's front door, as the run's environment and every promotion run them. */
export async function smokeTest(ctx: StageContext, deployed: DeployedEnvironment): Promise<SmokeResults> {
  const { smokeTestEnvironment } = await import('../deploy/verify/smoke/index.ts');
  return smokeTestEnvironment({
    baseUrl: deployed.url,
    checks: ctx.config.smoke,
    chromiumPath: ctx.adapters.chromiumPath,
    artifactsDir: join(ctx.runDir, 'artifacts', 'smoke', deployed.environment),
    log: ctx.log,
  });
}

/** The stability window over a deployed release: a stable verdict, or the Failure with its evidence. */
export async function judgeStability(ctx: StageContext, target: DeployTarget, deployed: DeployedEnvironment): Promise<StabilityVerdict> {
  const { verifyStability } = await import('../deploy/verify/stability/index.ts');
  return verifyStability({ ...(await target.signals(deployed)), thresholds: ctx.config.stability });
}

/** What a person does at a manual gate: review what the target proposed, if anything, then approve. */
export function approvalSteps(command: string, proposal: Proposal | undefined): string {
  return proposal ? `${proposal.description}, then run \`${command}\`` : `run \`${command}\``;
}
