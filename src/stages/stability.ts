import type { StabilityVerdict } from '../deploy/verify/stability/index.ts';
import { inFirstEnvironment, judgeStability, type PipelineStage } from './context.ts';
import type { DeployOutputs } from './deploy.ts';
import type { ReleaseOutputs } from './release.ts';

export interface StabilityOutputs {
  verdict: StabilityVerdict;
}

/** Stage 14: watch health, latency, restarts and error logs for the configured window; a verdict with evidence. */
export const stability: PipelineStage<StabilityOutputs> = {
  id: 'stability',
  title: 'Stability',
  phase: 'release',
  needs: ['smoke'],
  failure: 'Release not stable',
  async run(ctx) {
    const { describeVerdict } = await import('../deploy/verify/stability/index.ts');
    const deployed = ctx.output<DeployOutputs>('deploy');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const target = await ctx.adapters.deployTarget(deployed.environment);
    const verdict = await inFirstEnvironment(ctx, deployed.environment, manifest.tag, () => judgeStability(ctx, target, deployed));
    // The verdict decides: stable here is what lets publish and the later environments go ahead.
    (await ctx.adapters.promotions()).markStable(deployed.environment, manifest.tag);
    ctx.adapters.releaseLease(deployed.environment);
    return { summary: describeVerdict(verdict, ctx.config.stability.windowSeconds), outputs: { verdict } };
  },
};
