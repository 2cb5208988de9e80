import { join } from 'node:path';
import type { Stage } from '../engine/stage.ts';
import type { DeployOutputs } from './deploy.ts';

export interface SmokeOutputs { checks: { check: string; ok: boolean; durationMs: number }[] }

/** Stage 13: HTTP checks and a browser page load against the deployed environment. */
export const smoke: Stage<SmokeOutputs> = {
  id: 'smoke',
  title: 'Smoke tests',
  phase: 'release',
  needs: ['deploy'],
  failure: 'Smoke test failed',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { runSmokeChecks, smokeFailure } = await import('../smoke/index.ts');
    const { url } = ctx.output<DeployOutputs>('deploy');
    const results = await runSmokeChecks({ baseUrl: url, checks: ctx.config.smoke, chromiumPath: ctx.services.chromiumPath, artifactsDir: join(ctx.runDir, 'artifacts', 'smoke') });
    for (const result of results) ctx.log(`${result.ok ? 'ok  ' : 'FAIL'} ${result.check}: ${result.detail} (${result.durationMs} ms)`);
    const failure = smokeFailure(results);
    if (failure) throw failure;
    return {
      summary: `${results.length} checks passed against ${url}`,
      outputs: { checks: results.map(({ check, ok, durationMs }) => ({ check, ok, durationMs })) },
    };
  },
};
