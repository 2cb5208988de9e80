import type { Stage } from '../engine/stage.ts';
import type { StabilityVerdict } from '../deploy/verify/stability/index.ts';
import type { DeployOutputs } from './deploy.ts';
import { describeVerdict, judgeEnvironment } from '../deploy/environment.ts';
import { inFirstEnvironment } from '../deploy/promotion/first-environment.ts';
import type { ReleaseOutputs } from './release.ts';

export interface StabilityOutputs { verdict: StabilityVerdict }

/** Stage 14: watch health, latency, restarts and error logs for the configured window; a verdict with evidence. */
export const stability: Stage<StabilityOutputs> = {
  id: 'stability',
  title: 'Stability',
  phase: 'release',
  needs: ['smoke'],
  failure: 'Release not stable',
  async run(ctx) {
    const deployed = ctx.output<DeployOutputs>('deploy');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const verdict = await inFirstEnvironment(ctx, deployed.environment, manifest.tag, () => judgeEnvironment(ctx, deployed));
    // The verdict decides: stable here is what lets publish and the later environments go ahead.
    (await ctx.services.promotions()).markStable(deployed.environment, manifest.tag);
    ctx.services.releaseLease(deployed.environment);
    return { summary: describeVerdict(verdict, ctx.config.stability.windowSeconds), outputs: { verdict } };
  },
};
