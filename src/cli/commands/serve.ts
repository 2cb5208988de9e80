import { loadConfig } from '../../config/load.ts';
import { secretValues } from '../../config/secrets.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { writeRunReports } from '../../shared/feedback/sinks/reports.ts';
import { resolveHome } from '../../shared/home.ts';
import { continueRelease } from '../../run/pipeline.ts';
import { openRunAdapters } from '../../run/adapters.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import { Redactor } from '../../shared/redactor.ts';
import { RunStore } from '../../shared/state/run-store.ts';
import { FileDeliveryLog } from '../../release/forge/webhooks/delivery-log.ts';
import { startWebhookReceiver } from '../../release/forge/webhooks/receiver.ts';
import type { Command } from '../command.ts';
import { terminalReporter } from '../reporter.ts';
import { join } from 'node:path';

/**
 * `slipway serve`: receives the forge's signed "release created" webhooks and runs the release
 * half (integration through publish) of the run that created the release.
 */
export const serveCommand: Command = async (input) => {
  const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
  if (!secret)
    throw new Failure('slipway serve needs SLIPWAY_WEBHOOK_SECRET', { hint: 'set it to the secret the forge signs its webhooks with' });
  const home = resolveHome(input.home);
  const listener = terminalReporter({ verbose: !!input.verbose });
  const receiver = await startWebhookReceiver({
    port: input.port ? Number(input.port) : undefined,
    secret,
    seen: new FileDeliveryLog(join(home.root, 'deliveries.log')),
    onEvent: async (event, payload) => {
      const manifest = (payload as { action?: string; slipway?: { manifest?: ReleaseManifest } }).slipway?.manifest;
      if (event !== 'release' || (payload as { action?: string }).action !== 'created' || !manifest) return;
      const store = new RunStore(home.stateDb);
      try {
        const run = store.latestRunOfCommit(manifest.commit);
        if (!run) {
          process.stderr.write(`release ${manifest.tag}: no run of commit ${manifest.commit} in ${home.root}; ignored\n`);
          return;
        }
        const redactor = new Redactor();
        redactor.add(secret);
        const { config } = await loadConfig(run.repoDir, { cacheDir: home.cacheDir });
        redactor.add(...secretValues(config));
        const adapters = openRunAdapters({ home, config, repoDir: run.repoDir, webhooks: [], redactor });
        try {
          const failures = await continueRelease({ store, run, config, home, redactor, adapters, listener });
          store.setRunStatus(run.id, failures.length ? 'failed' : 'succeeded');
          await writeRunReports(store, run.id, home.runDir(run.id));
        } finally {
          await adapters.close();
        }
      } finally {
        store.close();
      }
    },
  });
  process.stdout.write(`slipway serve: receiving webhooks at ${receiver.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await receiver.close();
  return 0;
};
