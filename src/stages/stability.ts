import type { Stage } from '../engine/stage.ts';
import { Failure } from '../feedback/failure.ts';
import { observeStability, type StabilityVerdict } from '../stability/index.ts';
import type { DeployOutputs } from './deploy.ts';

export interface StabilityOutputs { verdict: StabilityVerdict }

/** Stage 14: watch health, latency and restarts for the configured window; a verdict with evidence. */
export const stability: Stage<StabilityOutputs> = {
  id: 'stability',
  title: 'Stability',
  phase: 'release',
  needs: ['smoke'],
  failure: 'Release not stable',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { environmentStatus } = await import('../runtime/index.ts');
    const { environment, services } = ctx.output<DeployOutputs>('deploy');
    // Each service's own health endpoint, plus the app's front door through the ingress.
    const probes = services.map(({ name, url }) => ({ name, url: new URL(ctx.config.services[name].health, url).href }));
    const restarts = async () => (await environmentStatus(ctx.home.environmentsDir, environment))?.services.reduce((sum, s) => sum + s.restarts, 0) ?? 0;
    const verdict = await observeStability({ probes, thresholds: ctx.config.stability, restarts });
    const e = verdict.evidence;
    const evidence = `${e.samples} samples, error rate ${(e.errorRate * 100).toFixed(1)} %, p95 ${e.p95Ms.toFixed(0)} ms, ${e.restarts} restarts`;
    if (!verdict.stable) throw new Failure(verdict.reasons.join('; '), { details: [evidence, ...verdict.reasons] });
    return { summary: `stable over ${ctx.config.stability.windowSeconds} s: ${evidence}`, outputs: { verdict } };
  },
};
