import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { gitResult } from '../shared/git.ts';
import type { VersionPlan } from '../build/version/index.ts';

export interface VersionOutputs {
  plan: VersionPlan;
  versionCommit: string;
}

/** Stage 5: the next version and changelog from changesets, committed as the release commit. */
export const version: PipelineStage<VersionOutputs> = {
  id: 'version',
  title: 'Version',
  phase: 'ci',
  needs: ['unit', 'coverage', 'browser'],
  failure: 'Could not determine version',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { applyVersion, planVersion } = await import('../build/version/index.ts');
    const firstService = Object.values(ctx.config.services)[0];
    const plan = await planVersion({
      repoDir: ctx.repoDir,
      scheme: ctx.config.versioning.scheme,
      releasePackage: ctx.config.versioning.releasePackage ?? firstService.package,
      date: new Date(),
    });
    const changed = await applyVersion(ctx.repoDir, plan);
    ctx.log(`changed: ${changed.join(', ')}`);
    const git = async (...args: string[]) => {
      const result = await gitResult(ctx.repoDir, args);
      if (result.code !== 0)
        throw new Failure(`git ${args[0]} failed while committing the version`, { logExcerpt: result.stderr.trim().split('\n') });
      return result.stdout.trim();
    };
    await git('add', '-A', '--', ...changed);
    await git('-c', 'user.name=Slipway', '-c', 'user.email=slipway@localhost', 'commit', '-q', '-m', `Version packages: ${plan.tag}`);
    const versionCommit = await git('rev-parse', 'HEAD');
    const bumps = plan.releases.filter((r) => r.type !== 'none').map((r) => `${r.name} ${r.oldVersion} → ${r.newVersion}`);
    return { summary: `${plan.tag}: ${bumps.join(', ')}`, outputs: { plan, versionCommit } };
  },
};
