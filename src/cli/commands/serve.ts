import { loadConfig } from '../../config/load.ts';
import { secretValues } from '../../config/secrets.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { resolveHome } from '../../shared/home.ts';
import { continueRelease } from '../../run/pipeline.ts';
import { openRunAdapters } from '../../run/adapters.ts';
import { reportRun } from '../../run/report-run.ts';
import { startForgeFeedback } from '../../run/forge-feedback.ts';
import { Redactor } from '../../shared/redactor.ts';
import { RunStore } from '../../shared/state/run-store.ts';
import { FileDeliveryLog } from '../../release/forge/webhooks/delivery-log.ts';
import { defaultReceiverLimits, startWebhookReceiver } from '../../release/forge/webhooks/receiver.ts';
import { releaseDeliveryHandler } from '../../run/release-deliveries.ts';
import type { Command } from '../command.ts';
import { terminalReporter } from '../reporter.ts';
import { join } from 'node:path';
import { accessFor, tokenVariable } from '../../dashboard/auth.ts';
import { startDashboardApi } from '../../dashboard/server.ts';

/**
 * `slipway serve`: receives GitHub's signed webhooks (a "release created", or a `slipway-release`
 * repository_dispatch) at its root path and runs the release half (integration through publish) of
 * the run that created the release, once per release; any other event is acknowledged and ignored.
 * Beside it, on its own listener, the dashboard's read-only JSON API over the home's runs,
 * releases and environments (127.0.0.1 unless --dashboard-host says otherwise, with a token).
 */
export const serveCommand: Command = async (input) => {
  const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
  if (!secret)
    throw new Failure('slipway serve needs SLIPWAY_WEBHOOK_SECRET', { hint: 'set it to the secret the forge signs its webhooks with' });
  // During a rotation GitHub may still sign with the old secret: both are accepted until it is unset.
  const previous = process.env.SLIPWAY_WEBHOOK_SECRET_PREVIOUS || undefined;
  const maxBodyBytes = maxBodyFromEnvironment();
  const dashboardHost = input['dashboard-host'] ?? '127.0.0.1';
  const dashboardPort = portOf('--dashboard-port', input['dashboard-port']);
  const { token } = accessFor(dashboardHost, process.env[tokenVariable]);
  const home = resolveHome(input.home);
  const listener = terminalReporter({ verbose: !!input.verbose });
  const store = new RunStore(home.stateDb);
  const handleRelease = releaseDeliveryHandler({
    store,
    runOf: (request) =>
      store.latestRunOfCommit(request.commit) ??
      `no run of commit ${request.commit} (${request.repository} release ${request.tag}) in ${home.root}; \`slipway release ${request.tag}\` carries a release on from its manifest`,
    releaseHalf: async (run) => {
      const redactor = new Redactor();
      redactor.add(secret, previous);
      const { config } = await loadConfig(run.repoDir, { cacheDir: home.cacheDir });
      redactor.add(...secretValues(config));
      const adapters = openRunAdapters({
        home,
        config,
        repoDir: run.repoDir,
        webhooks: [],
        redactor,
        // Called only once the release half runs, after `feedback` is set up below.
        onEnvironmentChange: (change) => feedback.reporter.onEnvironmentChange(change),
      });
      const feedback = startForgeFeedback({ open: () => adapters.forgeFeedback(), run, checkName: 'slipway release', listener, redactor });
      try {
        const failures = await continueRelease({ store, run, config, home, redactor, adapters, listener: feedback.listener });
        store.setRunStatus(run.id, failures.length ? 'failed' : 'succeeded');
        await reportRun({ store, runId: run.id, home, notify: config.notify, redactor, listener, forge: feedback.reporter });
        return failures;
      } finally {
        await adapters.close();
      }
    },
  });
  const receiver = await startWebhookReceiver({
    port: input.port ? Number(input.port) : undefined,
    secrets: previous ? [secret, previous] : [secret],
    seen: new FileDeliveryLog(join(home.root, 'deliveries.log')),
    limits: { maxBodyBytes },
    onEvent: (event, payload, deliveryId) => {
      const handling = handleRelease(event, payload);
      if ('skipped' in handling) process.stderr.write(`delivery ${deliveryId}: ${handling.message}\n`);
      return handling;
    },
  });
  // What serve knows to be secret from its own environment; each repository's configuration adds its own.
  const apiRedactor = new Redactor();
  apiRedactor.add(secret, previous, token, ...secretValues({ tasks: { env: [] }, secrets: [] }));
  const api = await startDashboardApi({ home, store, redactor: apiRedactor, host: dashboardHost, port: dashboardPort, token });
  process.stdout.write(`slipway serve: receiving webhooks at ${receiver.url} (bodies up to ${maxBodyBytes} bytes)\n`);
  process.stdout.write(`slipway serve: dashboard API at ${api.url}${token ? ' (bearer token required)' : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  await receiver.close();
  store.close();
  return 0;
};

/** GitHub sends at most 25 MB; a release event needs a few kB, so the default is 1 MiB. */
const githubMaxBodyBytes = 25 * 1024 * 1024;

function maxBodyFromEnvironment(): number {
  const given = process.env.SLIPWAY_WEBHOOK_MAX_BODY;
  if (given === undefined || given === '') return defaultReceiverLimits.maxBodyBytes;
  const bytes = /^\d+$/.test(given) ? Number(given) : NaN;
  if (!(bytes > 0 && bytes <= githubMaxBodyBytes)) {
    throw new Failure(`SLIPWAY_WEBHOOK_MAX_BODY is "${given}", not a number of bytes from 1 to ${githubMaxBodyBytes}`, {
      hint: `leave it unset for ${defaultReceiverLimits.maxBodyBytes} bytes; GitHub never sends more than ${githubMaxBodyBytes}`,
    });
  }
  return bytes;
}

function portOf(option: string, given: string | undefined): number | undefined {
  if (given === undefined) return undefined;
  const port = /^\d{1,5}$/.test(given) ? Number(given) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new Failure(`${option} is "${given}", not a port from 1 to 65535`, { hint: 'leave it unset for a free port' });
  return port;
}
