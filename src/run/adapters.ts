import { join } from 'node:path';
import { RunCaches, usageLine } from '../build/cache/index.ts';
import type { Config } from '../config/schema.ts';
import type { DeployLease, EnvironmentChange, PromotionStore } from '../deploy/promotion/index.ts';
import type { GitHubFeedback } from '../release/forge/github/github-feedback.ts';
import type { DeployTarget } from '../deploy/target.ts';
import { openDeployTarget } from '../deploy/targets.ts';
import type { Webhook } from '../release/forge/local/server.ts';
import type { OpenedForge } from '../release/forge/open-forge.ts';
import type { LiveRegistry } from '../release/registry/index.ts';
import { ChildRecords } from '../shared/child-records.ts';
import { repositoryKey, type Home } from '../shared/home.ts';
import type { Redactor } from '../shared/redactor.ts';
import type { Adapters } from '../stages/context.ts';

/** The adapters as the run owns them: what the stages see, and the closing of all of it at the end. */
export interface RunAdapters extends Adapters {
  /** Where the run's checks, statuses, deployments and pull-request comment go (the forge's GitHub). */
  forgeFeedback(): Promise<GitHubFeedback>;
  /** Releases the leases, closes the stores, stops the local registry and forge, and awaits cache uploads. */
  close(): Promise<void>;
}

export interface RunAdaptersOptions {
  home: Home;
  config: Config;
  repoDir: string;
  webhooks: Webhook[];
  redactor: Redactor;
  /** Start the local registry read-only: every push is refused (the demo's push fault). */
  registryReadOnly?: boolean;
  /** Told of every change of a release's state in an environment (to mirror it as GitHub deployments). */
  onEnvironmentChange?: (change: EnvironmentChange) => void;
  /** What the developer should know that does not fail the run. */
  notify?: (level: 'info' | 'warning', message: string) => void;
  /** The sharded run this one is a shard or the merge of: its shards share a namespace of the remote cache. */
  shardRun?: string;
}

/** How long the end of a run waits for background cache uploads. */
const cacheUploadGraceMs = 30_000;

/** Opens each adapter on first use: a run that never deploys never starts a registry or reads a kubeconfig. */
export function openRunAdapters(options: RunAdaptersOptions): RunAdapters {
  const { home, config, repoDir, redactor } = options;
  let registry: Promise<LiveRegistry> | undefined;
  let forge: Promise<OpenedForge> | undefined;
  let caches: Promise<RunCaches> | undefined;
  let promotions: Promise<PromotionStore> | undefined;
  const targets = new Map<string, Promise<DeployTarget>>();
  const leases = new Map<string, DeployLease>();
  const notify = options.notify ?? (() => undefined);
  const addSecret = (value: string | undefined) => redactor.add(value);
  const children = new ChildRecords(home.childrenDir);
  const adapters: RunAdapters = {
    chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    registry() {
      registry ??= import('../release/registry/index.ts')
        .then(({ openRegistry }) =>
          openRegistry({ url: config.registry.url, storageDir: home.registryDir, readOnly: options.registryReadOnly, addSecret }),
        )
        .then(async (opened) => {
          if (!opened.process) return opened;
          const forget = await children.record(opened.process, `the local registry on ${opened.host}`);
          return { ...opened, stop: () => opened.stop().then(forget) };
        });
      return registry;
    },
    recordChild(child, what) {
      return children.record(child, what);
    },
    forge() {
      forge ??= import('../release/forge/open-forge.ts').then(({ openForge }) =>
        openForge({
          forge: config.forge,
          project: config.project,
          embeddedDir: join(home.forgeDir, repositoryKey(config.project, repoDir)),
          hooks: options.webhooks,
          env: process.env,
          addSecret,
          onWait: (message) => notify('info', message),
        }),
      );
      return forge.then((opened) => opened.forge);
    },
    async forgeFeedback() {
      await adapters.forge();
      return (await forge!).feedback;
    },
    async settleForge() {
      return forge ? (await forge).settle() : [];
    },
    caches() {
      const { remote } = config.cache;
      caches ??= RunCaches.connect(
        home.cacheDir,
        remote && { ...remote, forcePathStyle: remote.forcePathStyle ?? Boolean(remote.endpoint) },
        {
          onWarning: (message) => notify('warning', message),
          repoDir,
          addSecret,
          shardRun: options.shardRun,
        },
      );
      return caches;
    },
    deployTarget(environment) {
      let target = targets.get(environment);
      if (!target) {
        target = openDeployTarget(environment, {
          config,
          repoDir,
          environmentsDir: home.environmentsDir,
          registry: () => adapters.registry(),
          addSecret,
        });
        targets.set(environment, target);
      }
      return target;
    },
    promotions() {
      promotions ??= import('../deploy/promotion/index.ts').then(async ({ PromotionStore, promotionStorePath, adoptForgeHistory }) => {
        const store = new PromotionStore(promotionStorePath(home, config.project, repoDir));
        // On GitHub each job may run on a fresh runner: what earlier jobs verified is in the deployments.
        if (config.forge.kind === 'github') {
          await adapters
            .forgeFeedback()
            .then(async (feedback) => adoptForgeHistory(store, await feedback.listDeployments()))
            .catch((error: { specific?: string; message?: string }) =>
              notify(
                'warning',
                `GitHub deployments could not be read, so only this runner's own records are known: ${error.specific ?? error.message}`,
              ),
            );
        }
        store.onChange = (change) => options.onEnvironmentChange?.(change);
        return store;
      });
      return promotions;
    },
    holdLease(lease) {
      leases.set(lease.environment, lease);
    },
    releaseLease(environment) {
      leases.get(environment)?.release();
      leases.delete(environment);
    },
    async close() {
      for (const environment of [...leases.keys()]) this.releaseLease(environment);
      if (promotions) (await promotions).close();
      if (registry) await (await registry.catch(() => undefined))?.stop();
      if (forge) await (await forge.catch(() => undefined))?.close();
      if (!caches) return;
      const run = await caches;
      const uploads = await run.flush(cacheUploadGraceMs);
      notify('info', usageLine(await run.usage()));
      if (!config.cache.remote) return;
      const { localHits, remoteHits, misses } = run.stats();
      notify(
        'info',
        `cache: ${localHits} local hits, ${remoteHits} remote hits, ${misses} misses; ${
          run.remoteReadOnlyBecause
            ? `read only (${run.remoteReadOnlyBecause})`
            : `uploaded ${uploads.uploaded}, already there ${uploads.skipped}${uploads.failed ? `, ${uploads.failed} failed` : ''}`
        }`,
      );
    },
  };
  return adapters;
}
