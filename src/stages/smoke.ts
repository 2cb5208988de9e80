import type { Stage } from '../engine/stage.ts';
import type { DeployOutputs } from './deploy.ts';
import { smokeTestEnvironment, type SmokeResults } from '../deploy/environment.ts';
import { inFirstEnvironment } from '../deploy/promotion/first-environment.ts';
import type { ReleaseOutputs } from './release.ts';

export type SmokeOutputs = SmokeResults;

/** Stage 13: HTTP checks and a browser page load against the deployed environment. */
export const smoke: Stage<SmokeOutputs> = {
  id: 'smoke',
  title: 'Smoke tests',
  phase: 'release',
  needs: ['deploy'],
  failure: 'Smoke test failed',
  async run(ctx) {
    const deployed = ctx.output<DeployOutputs>('deploy');
    const { manifest } = ctx.output<ReleaseOutputs>('release');
    const results = await inFirstEnvironment(ctx, deployed.environment, manifest.tag, () => smokeTestEnvironment(ctx, deployed));
    return { summary: `${results.checks.length} checks passed against ${deployed.url}`, outputs: results };
  },
};
