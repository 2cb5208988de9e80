import type { RollbackTarget } from '../deploy/promotion/index.ts';
import { judgeStability, smokeTest, type PipelineStage } from './context.ts';
import { releaseOnForge } from './recorded-release.ts';

/** What `slipway rollback` asks for. */
export interface RollbackRequest extends RollbackTarget {
  reason: string;
  /** Who rolls back: recorded with the rollback, and named when the bad release is refused. */
  by: string;
}

export interface RollbackOutputs {
  environment: string;
  from: string;
  to: string;
  reason: string;
  by: string;
}

/**
 * `slipway rollback <env>`: the release found bad in an environment is replaced there by the one
 * that was stable before it, deployed by its recorded digests (no rebuild), smoke tested and judged
 * like any deploy, under the environment's deploy lease. The bad release is withdrawn: no gate
 * promotes it again, and its release notes on the forge say why.
 */
export function rollbackStage(request: RollbackRequest): PipelineStage<RollbackOutputs> {
  return {
    id: 'rollback',
    title: 'Rollback',
    phase: 'release',
    needs: [],
    failure: 'Rollback failed',
    async run(ctx) {
      const { driveRollback, planRollback, releaseIdentity } = await import('../deploy/promotion/index.ts');
      const { environment } = request;
      // Free text goes to the store, the forge and GitHub's deployments: a pasted secret must not.
      const [by, reason] = [ctx.redactor.redact(request.by), ctx.redactor.redact(request.reason)];
      const store = await ctx.adapters.promotions();
      const plan = planRollback(Object.keys(ctx.config.environments), store.history(environment, request.to), request);
      const [from, to] = [plan.from.tag, plan.to.tag];
      const forge = await ctx.adapters.forge();
      const { manifest } = await releaseOnForge(forge, to);
      // The forge's manifest must name the digests that proved stable here, or nothing is deployed.
      store.recordRelease(releaseIdentity(manifest));
      await driveRollback({
        store,
        plan,
        by,
        reason,
        onStep: ctx.log,
        deploy: async (live) => {
          const target = await ctx.adapters.deployTarget(environment);
          const deployed = await target.deploy({ release: manifest, runId: ctx.run.id, log: ctx.log, rollback: { from, reason } });
          live(deployed.url);
          await smokeTest(ctx, deployed);
          await judgeStability(ctx, target, deployed);
        },
      });
      const note = `**Rolled back** in ${environment} by ${by} (Slipway run #${ctx.run.id}): ${reason}. ${environment} runs ${to} again; no gate promotes ${from} again: release the fix as a newer release.`;
      await forge.annotateRelease(from, note).catch((error: { specific?: string; message?: string }) => {
        ctx.warn(`the rollback is done, but its note could not be added to ${from}'s release notes: ${error.specific ?? error.message}`);
      });
      return {
        summary: `rolled back ${environment} from ${from} to ${to}: ${reason}`,
        outputs: { environment, from, to, reason, by },
      };
    },
  };
}
