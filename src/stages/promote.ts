import { approvalSteps, judgeStability, smokeTest, type PipelineStage } from './context.ts';
import type { Proposal } from '../deploy/target.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { PromotionOutcome as Outcome } from '../deploy/promotion/index.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import type { ReleaseOutputs } from './release.ts';

export interface PromoteOutputs {
  /** Environments the release became stable in during this stage, in order. */
  deployed: string[];
  /** Where the promotion stopped: done, or the gate, supersession or block that held it. */
  stopped: { kind: 'done' } | { kind: 'await-approval' | 'blocked' | 'superseded' | 'stable-only'; environment: string; detail: string };
}

/**
 * Stage 16: the release, stable in nonprod, moves on to staging and prod as far as their gates
 * allow: each environment deployed, smoke tested and judged like nonprod, one deploy at a time.
 * A manual gate stops it until `slipway approve <env> <release>`, which runs this stage again.
 */
export function promoteStage(needs: string[]): PipelineStage<PromoteOutputs> {
  return {
    id: 'promote',
    title: 'Promote',
    phase: 'release',
    needs,
    failure: 'Promotion failed',
    async run(ctx) {
      const { drivePromotion, environmentGates, releaseIdentity } = await import('../deploy/promotion/index.ts');
      const { manifest } = ctx.output<ReleaseOutputs>('release');
      let current = '';
      const outcome = await drivePromotion({
        store: await ctx.adapters.promotions(),
        gates: environmentGates(ctx.config.environments),
        release: releaseIdentity(manifest),
        retryFailed: true,
        onStep: ctx.log,
        accepted: async (environment) => (await (await ctx.adapters.deployTarget(environment)).accepted?.(manifest)) ?? true,
        deploy: async (environment, live) => {
          current = environment;
          const target = await ctx.adapters.deployTarget(environment);
          const deployed = await target.deploy({ release: manifest, runId: ctx.run.id, log: ctx.log });
          live(deployed.url);
          await smokeTest(ctx, deployed);
          await judgeStability(ctx, target, deployed);
        },
      }).catch((error: unknown) => {
        throw error instanceof Failure ? error.with({ specific: `${current}: ${error.specific}` }) : error;
      });
      // A release stopped at a manual gate is offered for review there, where the target reviews changes.
      const proposal =
        outcome.kind === 'await-approval'
          ? await (await ctx.adapters.deployTarget(outcome.environment)).propose?.(manifest, ctx.log)
          : undefined;
      const stop = describeStop(outcome, manifest, proposal);
      const summary = outcome.deployed.length
        ? `${manifest.tag} stable in ${outcome.deployed.join(', ')}; ${stop}`
        : outcome.kind === 'done'
          ? `${manifest.tag} is already stable in every environment`
          : `${manifest.tag}: ${stop}`;
      return { summary, outputs: { deployed: outcome.deployed, stopped: stopOf(outcome) } };
    },
  };
}

function describeStop(outcome: Outcome, manifest: ReleaseManifest, proposal: Proposal | undefined): string {
  switch (outcome.kind) {
    case 'done':
      return `live in every environment`;
    case 'await-approval':
      return `${outcome.environment} waits for approval: ${approvalSteps(outcome.command, proposal)}`;
    case 'blocked':
      return `not promoted to ${outcome.environment}: ${outcome.reason}`;
    case 'superseded':
      return `not promoted to ${outcome.environment}: ${outcome.by}, a newer release than ${manifest.tag}, supersedes it`;
    case 'stable-only':
      return `a prerelease stops before ${outcome.environment}, which takes stable releases only (\`changeset pre exit\` releases the stable version)`;
  }
}

function stopOf(outcome: Outcome): PromoteOutputs['stopped'] {
  switch (outcome.kind) {
    case 'done':
      return { kind: 'done' };
    case 'await-approval':
      return { kind: outcome.kind, environment: outcome.environment, detail: outcome.command };
    case 'blocked':
    case 'stable-only':
      return { kind: outcome.kind, environment: outcome.environment, detail: outcome.reason };
    case 'superseded':
      return { kind: outcome.kind, environment: outcome.environment, detail: outcome.by };
  }
}
