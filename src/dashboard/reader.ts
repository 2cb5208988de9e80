import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageWhy } from '../build/why.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { secretValues } from '../config/secrets.ts';
import {
  environmentGates,
  PromotionStore,
  promotionStorePath,
  type EnvironmentGate,
  type EnvironmentHistory,
} from '../deploy/promotion/index.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { Failure } from '../shared/feedback/failure.ts';
import { gitHead } from '../shared/git.ts';
import { defaultHomeName, type Home } from '../shared/home.ts';
import type { Redactor } from '../shared/redactor.ts';
import type { RunRecord, RunStore } from '../shared/state/run-store.ts';
import type { ApiRelease, ApiRepository, ApiRun, ApiRunDetail } from './model.ts';
import { apiEnvironment, apiRelease, apiRun, approveCommand, logTail, runArtifacts, runDetail } from './queries.ts';

interface ReleaseOutputs {
  manifest?: ReleaseManifest;
  /** Empty when the run found a release the forge already had (a promotion, a release half) instead of creating it. */
  manifestPath?: string;
}

/** What a repository's configuration says about its environments, read once per `slipway serve`. */
type RepositoryConfig = { config: Config; gates: EnvironmentGate[] } | { problem: string };

/** `slipway why` for a package at a run, or why it cannot be told. */
export type WhyAnswer = { why: PackageWhy['report'] } | { refused: 'not-found' | 'conflict'; message: string };

/**
 * Reads the home's stores for the API, never writing to them. Each repository's configuration is
 * read the first time one of its runs is asked for, and its secrets go to the redactor then, before
 * anything of that repository is answered.
 */
export class DashboardReader {
  private readonly configs = new Map<string, Promise<RepositoryConfig>>();

  constructor(
    private readonly home: Home,
    private readonly store: RunStore,
    private readonly redactor: Redactor,
  ) {}

  /** Every run the home keeps (about 200: see prune-runs.ts), newest first. */
  async runs(): Promise<ApiRun[]> {
    const runs = this.store.listRuns(Number.MAX_SAFE_INTEGER);
    await this.prepare(runs);
    const releases = this.releaseTags();
    return runs.map((run) => apiRun(run, releases.get(run.id)));
  }

  async run(id: number): Promise<ApiRunDetail | undefined> {
    const run = this.store.getRun(id);
    if (!run) return undefined;
    await this.prepare([run]);
    const feedback = this.store.feedback<Feedback>(id);
    const tag = this.releaseOutputs(id)?.manifest?.tag;
    return runDetail(apiRun(run, tag), this.store.stages(id), feedback, runArtifacts(id, this.home.runDir(id), feedback));
  }

  /** The end of a stage's log; undefined when the run never had that stage. */
  async log(id: number, stage: string, tail: number): Promise<{ lines: string[]; truncated: boolean } | undefined> {
    const run = this.store.getRun(id);
    if (!run || !this.store.stage(id, stage)) return undefined;
    await this.prepare([run]);
    const text = await readFile(join(this.home.runDir(id), 'logs', `${stage}.log`), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    return logTail(text, tail);
  }

  /** The file of a run's artifact, by its number in the run's list. */
  async artifactPath(id: number, index: number): Promise<string | undefined> {
    const run = this.store.getRun(id);
    if (!run) return undefined;
    await this.prepare([run]);
    return runArtifacts(id, this.home.runDir(id), this.store.feedback<Feedback>(id))[index]?.path;
  }

  /**
   * `slipway why <package>` in the run's repository, reused as it is: it explains the work tree
   * against this machine's cache, so it answers only while the work tree is at the run's commit
   * (or the release commit the run made on it).
   */
  async why(id: number, name: string): Promise<WhyAnswer | undefined> {
    const run = this.store.getRun(id);
    if (!run) return undefined;
    const known = await this.config(run.repoDir);
    if ('problem' in known) return { refused: 'conflict', message: `run #${id}'s repository ${run.repoDir}: ${known.problem}` };
    // The run's own commits: the one it ran on, and the release commit its version stage made.
    const versionCommit = (this.store.stage(id, 'version')?.outputs as { versionCommit?: string } | undefined)?.versionCommit;
    const commits = [run.commit, ...(versionCommit ? [versionCommit] : [])];
    const head = await gitHead(run.repoDir);
    if (!head || !commits.includes(head.commit))
      return {
        refused: 'conflict',
        message: `${run.repoDir} is at ${head?.commit ?? 'no commit'}, not run #${id}'s commit ${commits.join(' or ')}: \`slipway why\` explains the work tree as it is`,
      };
    const { explainPackage } = await import('../build/why.ts');
    try {
      const why = await explainPackage({ repoDir: run.repoDir, home: this.home, config: known.config, name, warn: () => undefined });
      return { why: why.report };
    } catch (error) {
      if (error instanceof Failure) return { refused: 'not-found', message: error.specific };
      throw error;
    }
  }

  /** Every release a run of the home created, newest first. */
  async releases(): Promise<ApiRelease[]> {
    await this.prepare(this.store.listRuns(Number.MAX_SAFE_INTEGER));
    return [...this.createdReleases().values()].reverse().map(({ manifest, runId }) => apiRelease(manifest, runId));
  }

  async release(tag: string): Promise<ApiRelease | undefined> {
    const created = this.createdReleases().get(tag);
    if (!created) return undefined;
    await this.prepare([this.store.getRun(created.runId)!]);
    return apiRelease(created.manifest, created.runId);
  }

  /** The SBOM file of one of a release's images, kept in the run directory of the run that made it. */
  sbomPath(tag: string, service: string): string | undefined {
    const created = this.createdReleases().get(tag);
    const sbom = created && Object.hasOwn(created.manifest.images, service) ? created.manifest.images[service].sbom : undefined;
    return sbom && join(this.home.runDir(created!.runId), sbom);
  }

  /** Each repository with runs in the home, and its environments as its promotion store has them. */
  async environments(): Promise<ApiRepository[]> {
    const repositories = new Map<string, RunRecord>();
    for (const run of this.store.listRuns(Number.MAX_SAFE_INTEGER)) if (!repositories.has(run.repoDir)) repositories.set(run.repoDir, run);
    const answers: ApiRepository[] = [];
    for (const { project, repoDir } of repositories.values()) {
      const config = await this.config(repoDir);
      if ('problem' in config) {
        answers.push({ project, repoDir, environments: [], problem: config.problem });
        continue;
      }
      const histories = this.histories(promotionStorePath(this.home, project, repoDir), config.gates);
      const where = { repoDir, homeRoot: this.home.root, defaultHome: join(repoDir, defaultHomeName) };
      answers.push({
        project,
        repoDir,
        environments: config.gates.map((gate, index) =>
          apiEnvironment(gate, histories[index], (tag) => approveCommand(gate.name, tag, where)),
        ),
        problem: null,
      });
    }
    return answers;
  }

  /** A store that was never made (no release yet) is not made here: its environments are empty. */
  private histories(path: string, gates: EnvironmentGate[]): EnvironmentHistory[] {
    if (!existsSync(path)) return gates.map((gate) => ({ environment: gate.name, stable: [], records: [], withdrawals: {} }));
    const promotions = new PromotionStore(path);
    try {
      return gates.map((gate) => promotions.history(gate.name));
    } finally {
      promotions.close();
    }
  }

  private releaseOutputs(runId: number): ReleaseOutputs | undefined {
    return this.store.stage(runId, 'release')?.outputs as ReleaseOutputs | undefined;
  }

  /** Each run's release (created or carried on), by run. */
  private releaseTags(): Map<number, string> {
    const tags = new Map<number, string>();
    for (const { runId, outputs } of this.store.stageOutputs('release')) {
      const tag = (outputs as ReleaseOutputs).manifest?.tag;
      if (tag) tags.set(runId, tag);
    }
    return tags;
  }

  /** Each release by tag, with the run that created it, oldest first. */
  private createdReleases(): Map<string, { manifest: ReleaseManifest; runId: number }> {
    const created = new Map<string, { manifest: ReleaseManifest; runId: number }>();
    for (const { runId, outputs } of this.store.stageOutputs('release')) {
      const { manifest, manifestPath } = outputs as ReleaseOutputs;
      if (manifest && manifestPath && !created.has(manifest.tag)) created.set(manifest.tag, { manifest, runId });
    }
    return created;
  }

  /** Reads the configurations of the runs' repositories, so their secrets are masked before any answer. */
  private async prepare(runs: readonly RunRecord[]): Promise<void> {
    await Promise.all([...new Set(runs.map((run) => run.repoDir))].map((repoDir) => this.config(repoDir)));
  }

  private config(repoDir: string): Promise<RepositoryConfig> {
    let known = this.configs.get(repoDir);
    if (!known) {
      known = loadConfig(repoDir, { cacheDir: this.home.cacheDir }).then(
        ({ config }): RepositoryConfig => {
          this.redactor.add(...secretValues(config));
          return { config, gates: environmentGates(config.environments) };
        },
        (error: unknown) => ({ problem: `its configuration could not be read: ${(error as Error)?.message ?? String(error)}` }),
      );
      this.configs.set(repoDir, known);
    }
    return known;
  }
}
