import { Failure } from '../../../shared/feedback/failure.ts';
import type { KubeObject } from '../manifests/types.ts';
import type { ReleaseManifest } from '../../../release/manifest.ts';
import { applyAll, deleteAll, existingKeys, kindsOf, liveReleaseObjects } from './apply.ts';
import type { KubeClient } from './client.ts';
import { dryRunApply } from './dry-run.ts';
import type { RevisionRecord, RevisionStatus } from './history-record.ts';
import { revisionHistory, saveRevision, trimHistory } from './history.ts';
import { describeObject, inNamespace, objectKey, pruneList } from './objects.ts';
import { awaitRollouts } from './rollout.ts';

export interface ClusterDeployRequest {
  project: string;
  /** The environment's name ("dev"), recorded in the history. */
  environment: string;
  /** The environment's namespace: every object of the release lives there. */
  namespace: string;
  release: ReleaseManifest;
  /** The rendered objects (renderManifests), the Namespace among them. */
  objects: KubeObject[];
  fieldManager?: string;
  /** How long all Deployments together may take to roll out (default 300). */
  rolloutTimeoutSeconds?: number;
  /** Revision records kept in the namespace (default 5). */
  historyMax?: number;
  onLog?: (line: string) => void;
}

export interface ClusterDeployResult {
  revision: number;
  /** "Deployment/embark-backend", in apply order. */
  applied: string[];
  /** Objects of earlier releases this one no longer has, deleted. */
  pruned: string[];
  durationMs: number;
}

/** What a deploy knows once it has started writing, for the way back if it fails. */
interface Attempt {
  client: KubeClient;
  request: Required<Omit<ClusterDeployRequest, 'release'>> & { release: ReleaseManifest };
  record: RevisionRecord;
  history: RevisionRecord[];
  previous?: RevisionRecord;
  /** On a first deploy: which objects existed before it, and so are not its to remove. */
  existedBefore: Set<string>;
}

/**
 * Deploys a release to an environment's namespace: a server-side dry run (a rejection changes
 * nothing), server-side apply in dependency order as `fieldManager` (never forced), a wait for
 * every Deployment's rollout, then the prune of what earlier releases had and this one does not,
 * and a revision record. A failed apply or rollout rolls back to the deployed revision, or, on a
 * first deploy, removes what this one created; the Failure says which, with the pods' evidence.
 */
export async function deployRelease(client: KubeClient, deploy: ClusterDeployRequest): Promise<ClusterDeployResult> {
  const started = Date.now();
  const request = {
    ...deploy,
    objects: inNamespace(deploy.objects, deploy.namespace),
    fieldManager: deploy.fieldManager ?? 'slipway',
    rolloutTimeoutSeconds: deploy.rolloutTimeoutSeconds ?? 300,
    historyMax: deploy.historyMax ?? 5,
    onLog: deploy.onLog ?? (() => {}),
  };
  const { release, namespace, onLog } = request;
  await dryRunApply(client, request.objects, request.fieldManager);

  const history = (await revisionHistory(client, namespace)).filter((record) => record.project === request.project);
  const previous = [...history].reverse().find((record) => record.status === 'deployed');
  const revision = Math.max(0, ...history.map((record) => record.revision)) + 1;
  const record: RevisionRecord = {
    revision,
    project: request.project,
    environment: request.environment,
    namespace,
    release: release.tag,
    version: release.version,
    commit: release.commit,
    time: new Date(started).toISOString(),
    status: 'deployed',
    objects: request.objects,
  };
  const attempt: Attempt = {
    client,
    request,
    record,
    history,
    previous,
    existedBefore: previous ? new Set() : await existingKeys(client, request.objects),
  };
  onLog(
    `deploying ${release.tag} to ${request.environment} (${namespace}) as revision ${revision}${previous ? `, replacing revision ${previous.revision} (${previous.release})` : ''}`,
  );

  let applied: string[];
  try {
    applied = await applyAll(client, request.objects, request);
    await awaitRollouts(client, request.objects, request.rolloutTimeoutSeconds, onLog);
  } catch (error) {
    return recover(attempt, asFailure(error));
  }
  if (previous) await saveRevision(client, { ...previous, status: 'superseded' }, request.fieldManager);
  await recordOutcome(attempt, 'deployed');
  const pruned = await prune(client, request, request.objects, history);
  onLog(`${release.tag} is live in ${request.environment} as revision ${revision}`);
  return { revision, applied, pruned, durationMs: Date.now() - started };
}

/**
 * The way back from a failed deploy, then the Failure: with a deployed revision, its objects
 * re-applied, what the failed one added pruned, and its rollout awaited; without one, every
 * object this deploy created deleted, so nothing half-deployed is left.
 */
async function recover(attempt: Attempt, failure: Failure): Promise<never> {
  const { client, request, previous, record } = attempt;
  const onLog = request.onLog;
  if (!previous) {
    const created = request.objects.filter((object) => object.kind !== 'Namespace' && !attempt.existedBefore.has(objectKey(object)));
    onLog(`${record.release} failed; removing what it created (no earlier revision to roll back to)`);
    let removed: string[];
    try {
      removed = await deleteAll(client, created, onLog);
    } catch (error) {
      throw await failed(
        attempt,
        failure,
        `; removing what ${record.release} created failed too: ${asFailure(error).specific}`,
        asFailure(error),
      );
    }
    await recordOutcome(attempt, 'failed', failure.specific);
    throw new Failure(`${failure.specific}; removed what ${record.release} created (no earlier revision to roll back to)`, {
      details: [...failure.details, `removed: ${removed.join(', ') || 'nothing'}`],
      logExcerpt: failure.logExcerpt,
      hint: failure.hint,
    });
  }

  const back = `revision ${previous.revision} (${previous.release})`;
  onLog(`${record.release} failed; rolling back to ${back}`);
  let pruned: string[];
  try {
    await applyAll(client, previous.objects, request);
    pruned = await prune(client, request, previous.objects, [...attempt.history, record]);
    await awaitRollouts(client, previous.objects, request.rolloutTimeoutSeconds, onLog);
  } catch (error) {
    throw await failed(attempt, failure, `; rolling back to ${back} failed too: ${asFailure(error).specific}`, asFailure(error));
  }
  await recordOutcome(attempt, 'rolled-back', failure.specific);
  onLog(`rolled back to ${back}`);
  throw new Failure(`${failure.specific}; rolled back to ${back}`, {
    details: [...failure.details, `rolled back: re-applied ${back}${pruned.length > 0 ? `, removed ${pruned.join(', ')}` : ''}`],
    logExcerpt: failure.logExcerpt,
    hint: `${failure.hint ?? 'Fix the cause and deploy again.'} ${back} is serving again.`,
  });
}

/** The Failure when the way back failed too: the environment may be half-deployed, and says so. */
async function failed(attempt: Attempt, failure: Failure, suffix: string, cause: Failure): Promise<Failure> {
  await recordOutcome(attempt, 'failed', failure.specific).catch(() => undefined);
  return new Failure(`${failure.specific}${suffix}`, {
    details: [...failure.details, ...cause.details],
    logExcerpt: failure.logExcerpt,
    hint: `${attempt.request.namespace} may be half-deployed: fix what stopped the rollback (${cause.hint ?? cause.specific}), then deploy again. ${failure.hint ?? ''}`.trim(),
  });
}

/** Saves this deploy's record with its outcome, then trims the history to historyMax. */
async function recordOutcome(attempt: Attempt, status: RevisionStatus, reason?: string): Promise<void> {
  const { client, request } = attempt;
  const record = { ...attempt.record, status, ...(reason ? { reason } : {}) };
  await saveRevision(client, record, request.fieldManager);
  const others = attempt.history
    .filter((r) => r.revision !== record.revision)
    .map((r) => (status === 'deployed' && r.status === 'deployed' ? { ...r, status: 'superseded' as const } : r));
  const trimmed = await trimHistory(client, [...others, record], request.historyMax);
  if (trimmed.length > 0) request.onLog(`history: removed revision${trimmed.length === 1 ? '' : 's'} ${trimmed.join(', ')}`);
}

/** Deletes the project's live objects that `desired` does not have (kinds from it and the history). */
async function prune(client: KubeClient, request: Attempt['request'], desired: KubeObject[], history: RevisionRecord[]): Promise<string[]> {
  const kinds = [...kindsOf(desired), ...history.flatMap((record) => kindsOf(record.objects))];
  const stale = pruneList(await liveReleaseObjects(client, request.namespace, request.project, kinds), desired);
  for (const object of stale) request.onLog(`pruning ${describeObject(object)}`);
  return deleteAll(client, stale);
}

function asFailure(error: unknown): Failure {
  if (error instanceof Failure) return error;
  return new Failure(`the deploy failed unexpectedly: ${(error as Error).message}`);
}

/**
 * Takes a project's release out of its namespace (`slipway env down`): every object its releases
 * applied, of the kinds its history names, deleted dependants first. The Namespace, Secrets and
 * the revision history stay, as they do for a prune.
 */
export async function removeRelease(
  client: KubeClient,
  target: { namespace: string; project: string; onLog?: (line: string) => void },
): Promise<string[]> {
  const history = (await revisionHistory(client, target.namespace)).filter((record) => record.project === target.project);
  const kinds = history.flatMap((record) => kindsOf(record.objects));
  const live = pruneList(await liveReleaseObjects(client, target.namespace, target.project, kinds), []);
  return deleteAll(client, live, target.onLog);
}
