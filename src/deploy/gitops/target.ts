import { resolve } from 'node:path';
import type { GitOpsConfig } from '../../config/gitops-schema.ts';
import type { Config } from '../../config/schema.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import {
  findingsFailure,
  manifestFiles,
  renderManifests,
  validateManifests,
  type KubeObject,
  type ManifestFile,
} from '../kubernetes/manifests/index.ts';
import { KubernetesTarget } from '../kubernetes/target.ts';
import type {
  DeployedEnvironment,
  DeployRequest,
  DeployTarget,
  DryRunReport,
  EnvironmentStatus,
  Proposal,
  StabilitySignals,
} from '../target.ts';
import { waitForArgoSync } from './argo-wait.ts';
import { DeployCheckout, type DeployRemote } from './checkout.ts';
import { deployHistory } from './history.ts';
import {
  applicationName,
  displayRemote,
  isRemoteUrl,
  releaseCommitMessage,
  remoteCredentials,
  putBackCommitMessage,
  removalCommitMessage,
  reviewBranch,
  reviewRequest,
} from './plan.ts';
import { commitTree, mergedHead, pushForReview } from './publish.ts';
import { gitHubReviewForge } from './review.ts';
import { approveCommand } from '../promotion/plan.ts';

export interface GitOpsTargetOptions {
  environment: string;
  config: Config;
  /** The repository: relative deploy-repository paths and kubeconfigs are read from here. */
  repoDir: string;
  /** Where checkouts of the deploy repository are made, each removed when done. */
  scratchDir: string;
  /** Told the credentials of the deploy repository's URL and of the cluster, so they are masked from then on. */
  addSecret: (value: string) => void;
  /** Where the forge's credentials are read from (a manual gate's pull request); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * GitOps mode: a release is committed, rendered and digest-pinned, to the environment's directory
 * in a deploy repository, which Argo CD applies; Slipway then waits for the Application to report
 * that commit synced and healthy (through the cluster's API when the environment has one). A
 * manual gate gets a review branch (and a pull request) instead of a commit to the branch, and
 * its deploy, once approved, checks that the review was merged.
 */
export class GitOpsTarget implements DeployTarget {
  readonly environment: string;
  private readonly remote: DeployRemote;
  /** The environment's cluster, when it has one: Argo CD's Application and the stability signals are read there. */
  private cluster?: KubernetesTarget;

  constructor(private readonly options: GitOpsTargetOptions) {
    this.environment = options.environment;
    const { repository } = this.gitops;
    const secrets = remoteCredentials(repository);
    for (const secret of secrets) options.addSecret(secret);
    this.remote = {
      url: isRemoteUrl(repository) ? repository : resolve(options.repoDir, repository),
      display: displayRemote(repository),
      secrets,
      scratchDir: options.scratchDir,
    };
  }

  async connect(): Promise<string> {
    const { branch, path } = this.gitops;
    const checkout = await DeployCheckout.open(this.remote, branch);
    await checkout.close();
    const where = `${path} on ${branch} of ${this.remote.display}${checkout.base ? '' : ` (${branch} does not exist yet)`}`;
    if (!this.settings.cluster) return `deploy repository ${where}; no cluster to read Argo CD's sync from`;
    const cluster = await this.kubernetes().connect();
    return `deploy repository ${where}; Argo CD Application ${this.gitops.applicationNamespace}/${this.application} on ${cluster}`;
  }

  render(release: ReleaseManifest): KubeObject[] {
    return renderManifests(this.options.config, this.environment, release);
  }

  async dryRun(): Promise<DryRunReport> {
    return { checked: [], summary: `no server-side dry run: Argo CD applies the manifests from ${this.remote.display}` };
  }

  async deploy({ release, log, rollback }: DeployRequest): Promise<DeployedEnvironment> {
    const { branch, path } = this.gitops;
    const files = this.tree(release);
    let revision: string;
    let previous: ManifestFile[] | undefined;
    // A rollback is a person's decision already: it is committed, not proposed for review again.
    if (this.settings.gate === 'manual' && !rollback) {
      const merged = await mergedHead(this.remote, { branch, path, files });
      if (!merged) {
        const review = reviewBranch(this.environment, release.tag);
        throw new Failure(`${release.tag} is not merged into ${branch} of ${this.remote.display} yet`, {
          details: [`review branch: ${review}`, `${path} on ${branch} does not hold ${release.tag}'s manifests`],
          hint: `merge ${review} into ${branch} (its pull request), then run \`${approveCommand(this.environment, release.tag)}\` again`,
        });
      }
      log(`${release.tag} is merged into ${branch} of ${this.remote.display} at ${merged.slice(0, 12)}`);
      revision = merged;
    } else {
      const message = releaseCommitMessage(this.options.config.project, this.environment, release, rollback);
      const committed = await commitTree(this.remote, { branch, path, files, message }, log);
      revision = committed.commit!;
      previous = committed.previous;
    }
    const note = await this.waitForSync(revision, log).catch(async (error: unknown) => {
      throw await this.putBack(error, release, revision, previous, log);
    });
    return {
      environment: this.environment,
      url: this.url,
      revision: revision.slice(0, 12),
      services: this.serviceNames.map((name) => ({ name, url: this.url })),
      namespace: this.settings.namespace,
      ...(note ? { note } : {}),
    };
  }

  async propose(release: ReleaseManifest, log: (line: string) => void): Promise<Proposal> {
    const { branch, path, reviewRepository } = this.gitops;
    const { project } = this.options.config;
    const request = reviewRequest(project, this.environment, release, this.gitops);
    const message = releaseCommitMessage(project, this.environment, release);
    const state = await pushForReview(this.remote, { branch, path, files: this.tree(release), message, review: request.branch }, log);
    if (state === 'merged') return { description: `${release.tag} is already in ${branch} of ${this.remote.display}` };
    const merge = `merge ${request.branch} into ${branch} of ${this.remote.display}`;
    const { forge } = this.options.config;
    if (!reviewRepository) return { description: merge };
    if (forge.kind !== 'github') return { description: `${merge} (no pull request: the forge is the embedded one, not GitHub)` };
    const review = gitHubReviewForge(forge, this.options.env ?? process.env, this.options.addSecret);
    const pull = await review.openPullRequest(reviewRepository, { ...request, base: branch });
    log(`pull request #${pull.number} in ${reviewRepository}: ${pull.url}`);
    return { description: `${merge} (pull request #${pull.number}: ${pull.url})`, url: pull.url };
  }

  async accepted(release: ReleaseManifest): Promise<boolean> {
    if (this.settings.gate !== 'manual') return true;
    const { branch, path } = this.gitops;
    return (await mergedHead(this.remote, { branch, path, files: this.tree(release) })) !== undefined;
  }

  async status(): Promise<EnvironmentStatus | undefined> {
    const history = await deployHistory(this.remote, this.gitops);
    if (history.length === 0) return undefined;
    const live = history.at(-1)!;
    return {
      url: live.outcome === 'deployed' ? this.url : undefined,
      revision: live.outcome === 'deployed' ? live.revision : undefined,
      // What runs is Argo CD's to say: the deploy repository only says what it was asked to run.
      services: [],
      history,
    };
  }

  async signals(deployed: DeployedEnvironment): Promise<StabilitySignals> {
    if (this.settings.cluster) return this.kubernetes().signals();
    const { services } = this.options.config;
    // Without a cluster only the front door can be asked: each service's health path through it.
    const probes = deployed.services.map(({ name, url }) => ({ name, url: new URL(services[name].health, url).href }));
    return { probes, restarts: async () => 0 };
  }

  async teardown(log: (line: string) => void): Promise<void> {
    const { branch, path } = this.gitops;
    const message = removalCommitMessage(this.options.config.project, this.environment);
    await commitTree(this.remote, { branch, path, files: [], message }, log);
  }

  /**
   * After a sync that failed, puts back what the path held before the commit this deploy pushed, so
   * Argo CD returns the environment to the release before (or removes a first one). A commit this
   * deploy did not make (a reviewed merge, a resumed deploy) is a person's to revert: the hint says how.
   */
  private async putBack(
    error: unknown,
    release: ReleaseManifest,
    revision: string,
    previous: ManifestFile[] | undefined,
    log: (line: string) => void,
  ): Promise<unknown> {
    if (!(error instanceof Failure)) return error;
    const { branch, path } = this.gitops;
    const where = `${branch} of ${this.remote.display}`;
    if (!previous) {
      return error.with({
        hint: `${error.hint ? `${error.hint}. ` : ''}To put the release before back, revert ${revision.slice(0, 12)} in ${where} (git revert${this.settings.gate === 'manual' ? ' -m 1' : ''} ${revision.slice(0, 12)}).`,
      });
    }
    const message = putBackCommitMessage(this.options.config.project, this.environment, release, error.specific);
    try {
      const restored = await commitTree(this.remote, { branch, path, files: previous, message }, log);
      const what = previous.length
        ? `put back in ${where} what ${path} held before ${release.tag}`
        : `took ${path} out of ${where} again, as before ${release.tag}`;
      return error.with({ specific: `${error.specific}; ${what} (${restored.commit?.slice(0, 12)})` });
    } catch (failure) {
      const why = failure instanceof Failure ? failure.specific : (failure as Error).message;
      return error.with({
        specific: `${error.specific}; could not put back ${path} in ${where}: ${why}`,
        hint: `revert ${revision.slice(0, 12)} in ${where} by hand to put the release before back`,
      });
    }
  }

  /** The validated tree a release puts at the environment's path: nothing is committed that a cluster would refuse. */
  private tree(release: ReleaseManifest): ManifestFile[] {
    const objects = this.render(release);
    const findings = validateManifests(objects);
    if (findings.length) throw findingsFailure(findings);
    return manifestFiles(objects);
  }

  /** Argo CD's word that the commit is synced and healthy; without a cluster, the timeout, and a note that nothing confirmed it. */
  private async waitForSync(revision: string, log: (line: string) => void): Promise<string | undefined> {
    const { syncTimeoutSeconds, applicationNamespace } = this.gitops;
    if (!this.settings.cluster) {
      log(`no cluster configured for ${this.environment}: waiting ${syncTimeoutSeconds} s for Argo CD to sync ${revision.slice(0, 12)}`);
      await new Promise((resolve) => setTimeout(resolve, syncTimeoutSeconds * 1000));
      return `nothing confirmed that Argo CD synced ${revision.slice(0, 12)}: no cluster is configured for ${this.environment}, so Slipway waited ${syncTimeoutSeconds} s`;
    }
    await waitForArgoSync({
      client: await this.kubernetes().apiClient(),
      application: this.application,
      namespace: applicationNamespace,
      revision,
      timeoutSeconds: syncTimeoutSeconds,
      log,
    });
    return undefined;
  }

  /** The environment's namespace on its cluster, reached as the Kubernetes target reaches it (one access, its credentials masked). */
  private kubernetes(): KubernetesTarget {
    const { config, environment, repoDir, addSecret } = this.options;
    this.cluster ??= new KubernetesTarget({ environment, config, cwd: repoDir, addSecret });
    return this.cluster;
  }

  private get settings() {
    return this.options.config.environments[this.environment];
  }

  private get gitops(): GitOpsConfig {
    const gitops = this.settings.gitops;
    if (!gitops) throw new Error(`environment ${this.environment} is not in GitOps mode`);
    return gitops;
  }

  private get application(): string {
    return applicationName(this.options.config.project, this.environment, this.gitops);
  }

  /** Where smoke tests and people reach the environment: `url`, else its ingress host. */
  private get url(): string {
    return this.settings.url ?? `https://${this.settings.host}`;
  }

  private get serviceNames(): string[] {
    return Object.keys(this.options.config.services);
  }
}
