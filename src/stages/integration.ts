import { join } from 'node:path';
import { tracked, type PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { runPackageTests, testRunFailure } from '../build/checks/index.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';
import { scriptCommand } from '../build/scripts/run-script.ts';

export interface IntegrationOutputs {
  passed: number;
  resources: string[];
}

/** Stage 9: integration tests against real PostgreSQL and S3, started for this run and stopped after. */
export const integration: PipelineStage<IntegrationOutputs> = {
  id: 'integration',
  title: 'Integration tests',
  phase: 'release',
  needs: ['release'],
  failure: 'AWS integration tests failed',
  async run(ctx) {
    // Loaded when the stage runs: `slipway ci` never pays for the release half's libraries.
    const { resourceSecretNames, startResources } = await import('../deploy/local/resources/index.ts');
    const settings = ctx.config.integration;
    if (!settings) return { summary: 'none configured (integration in the Slipway configuration)', outputs: { passed: 0, resources: [] } };
    const workspace = await discoverWorkspace(ctx.repoDir);
    const pkg = workspace.packages.find((p) => p.name === settings.package);
    if (!pkg)
      throw new Failure(`integration.package "${settings.package}" is not a workspace package`, {
        details: [`packages: ${workspace.packages.map((p) => p.name).join(', ')}`],
      });
    const resources = await startResources(settings.uses, { dir: join(ctx.runDir, 'integration') });
    const forget = await Promise.all(
      resources.resources.flatMap((resource) =>
        resource.process ? [ctx.adapters.recordChild(resource.process, `${resource.kind} for integration tests`)] : [],
      ),
    );
    try {
      for (const name of resourceSecretNames(resources.env)) ctx.redactor.add(resources.env[name]);
      ctx.log(`started ${settings.uses.join(' and ')}`);
      const result = await runPackageTests({
        name: pkg.name,
        dir: pkg.dir,
        repoRoot: ctx.repoDir,
        script: settings.script,
        junitPath: join(pkg.dir, 'reports/integration-junit.xml'),
        lcovPath: join(pkg.dir, 'coverage/integration-lcov.info'),
        env: resources.env,
        onLine: (line) => ctx.log(line),
        track: tracked(ctx, `the integration tests of ${pkg.name}`),
      });
      const failure = testRunFailure(result);
      if (failure) {
        throw failure.with({
          specific: `${failure.specific} (against real ${settings.uses.join(' and ')})`,
          hint: `reproduce with a local PostgreSQL and S3 (DATABASE_URL, S3_ENDPOINT, S3_BUCKET set): ${scriptCommand(workspace.tool, settings.script, pkg.name)}`,
        });
      }
      return {
        summary: `${result.passed} integration tests passed against real ${settings.uses.join(' and ')}`,
        outputs: { passed: result.passed, resources: settings.uses },
      };
    } finally {
      await resources.stop();
      await Promise.all(forget.map((forgetOne) => forgetOne()));
    }
  },
};
