import type { SmokeResults } from '../deploy/verify/smoke/index.ts';
import { inFirstEnvironment, smokeTest, type PipelineStage } from './context.ts';
import type { DeployOutputs } from './deploy.ts';
import type { ReleaseOutputs } from './release.ts';

export type SmokeOutputs = SmokeResults;

/** Stage 13: HTTP checks and a browser page load against the deployed environment. */
export const smoke: PipelineStage<SmokeOutputs> = {
  id: 'smoke',
  title: 'Smoke tests',
  phase: 'release',
  needs: ['deploy'],
  failure: 'Smoke test failed',
  async run(ctx) {
    const deployed = ctx.output<DeployOutputs>('deploy');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const results = await inFirstEnvironment(ctx, deployed.environment, manifest.tag, () => smokeTest(ctx, deployed));
    return { summary: `${results.checks.length} checks passed against ${deployed.url}`, outputs: results };
  },
};
