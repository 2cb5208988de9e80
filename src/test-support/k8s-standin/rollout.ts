import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { behaviourFor, logsOf, type BehaviourRule, type RolloutBehaviour } from './behaviour.ts';
import { isReady, nextLife, podStatus, podWarnings, type PodLife } from './pods.ts';
import { resourceForKind, type ResourceType } from './resources.ts';
import type { ObjectStore, StoredObject } from './store.ts';

type Json = Record<string, unknown>;
interface DeploymentSpec {
  replicas?: number;
  progressDeadlineSeconds?: number;
  template: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: { containers: { name: string; image?: string }[] };
  };
}

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';
const resource = (apiVersion: string, kind: string) => resourceForKind(apiVersion, kind) as ResourceType;
const DEPLOYMENTS = resource('apps/v1', 'Deployment');
const REPLICA_SETS = resource('apps/v1', 'ReplicaSet');
const PODS = resource('v1', 'Pod');
const EVENTS = resource('v1', 'Event');

export interface SimulatorOptions {
  tickMs: number;
  /** Multiplies durations in specs: 0.001 makes a 600 s progress deadline 600 ms. */
  timeScale: number;
}

/**
 * The deployment controller and kubelet, simulated: every tick each Deployment moves one step
 * towards running its current template (one surge pod at a time, as maxSurge 1 / maxUnavailable 0
 * would), its pods behave as the matching rule says, and the status, ReplicaSets, Pods and Events
 * a real cluster shows are written to the store.
 */
export class RolloutSimulator {
  private readonly rules: BehaviourRule[] = [];
  private readonly pods = new Map<string, PodLife & { behaviour: RolloutBehaviour }>();
  /** Per deployment uid: the template hash being rolled out, when it last progressed, whether it timed out. */
  private readonly rollouts = new Map<string, { hash: string; lastProgress: number; timedOut: boolean; readyNew: number }>();
  private readonly events = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: SimulatorOptions,
  ) {
    this.timer = setInterval(() => this.tick(), options.tickMs);
    this.timer.unref();
  }

  setBehaviour(match: BehaviourRule['match'], behaviour: RolloutBehaviour): void {
    this.rules.push({ match, behaviour });
  }

  /** The log lines of a simulated pod, or undefined for a pod the simulator never started. */
  logs(podUid: string): { lines: string[]; waiting?: string } | undefined {
    const life = this.pods.get(podUid);
    if (!life) return undefined;
    if (life.ticks === 0 || life.kind === 'image-pull-error')
      return { lines: [], waiting: life.kind === 'image-pull-error' ? 'trying and failing to pull image' : 'ContainerCreating' };
    return { lines: logsOf(life.behaviour) };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  tick(): void {
    for (const deployment of this.store.list(DEPLOYMENTS)) this.reconcile(deployment);
  }

  private reconcile(deployment: StoredObject): void {
    const spec = deployment.spec as DeploymentSpec;
    const { namespace = '', uid } = deployment.metadata;
    const replicas = spec.replicas ?? 1;
    const hash = createHash('sha256').update(JSON.stringify(spec.template)).digest('hex').slice(0, 10);
    const owned = this.store.list(REPLICA_SETS, namespace).filter((rs) => ownedBy(rs, uid));
    const now = Date.now();

    let rollout = this.rollouts.get(uid);
    if (!rollout || rollout.hash !== hash) {
      rollout = { hash, lastProgress: now, timedOut: false, readyNew: 0 };
      this.rollouts.set(uid, rollout);
    }
    const progressed = () => {
      rollout.lastProgress = Date.now();
    };

    const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
    let current = owned.find((rs) => rs.metadata.labels?.[HASH] === hash);
    const latest = Math.max(0, ...revisions);
    if (!current || Number(current.metadata.annotations?.[REVISION]) < latest) {
      // A new template, or an older one re-applied (a rollback): it becomes the newest revision.
      current = this.store.put(REPLICA_SETS, current ? withRevision(current, latest + 1) : newReplicaSet(deployment, hash, latest + 1));
      progressed();
    }

    const replicaSetUids = new Set([...owned, current].map((rs) => rs.metadata.uid));
    const podsOfDeployment = () =>
      this.store.list(PODS, namespace).filter((pod) => pod.metadata.ownerReferences?.some((ref) => replicaSetUids.has(ref.uid)));
    for (const pod of podsOfDeployment()) this.advance(pod);
    const pods = podsOfDeployment();
    const fresh = pods.filter((pod) => ownedBy(pod, current.metadata.uid));
    const old = pods.filter((pod) => !ownedBy(pod, current.metadata.uid));
    const ready = pods.filter(isReady).length;

    const unreadyOld = old.find((pod) => !isReady(pod));
    if (unreadyOld) {
      // Unhealthy old pods go first: they give no availability to protect.
      this.store.remove(PODS, namespace, unreadyOld.metadata.name);
      progressed();
    } else if (fresh.length < replicas && pods.length < replicas + 1) {
      this.createPod(deployment, current);
      progressed();
    } else if (old.length > 0 && ready > replicas) {
      this.store.remove(PODS, namespace, old[0].metadata.name);
      progressed();
    } else if (old.length === 0 && fresh.length > replicas) {
      this.store.remove(PODS, namespace, (fresh.find((pod) => !isReady(pod)) ?? fresh[0]).metadata.name);
    }
    const readyNew = fresh.filter(isReady).length;
    if (readyNew > rollout.readyNew) progressed();
    rollout.readyNew = readyNew;

    const after = podsOfDeployment();
    const updated = after.filter((pod) => ownedBy(pod, current.metadata.uid));
    const complete = updated.length === replicas && updated.every(isReady) && after.length === replicas;
    const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000 * this.options.timeScale;
    if (!complete && now - rollout.lastProgress > deadlineMs) rollout.timedOut = true;
    if (complete) rollout.timedOut = false;

    const available = after.filter(isReady).length;
    const progressing = complete
      ? { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` }
      : rollout.timedOut
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
          }
        : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` };
    const availability =
      available >= replicas
        ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
    const previous = (deployment.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    const status = omitZero({
      observedGeneration: deployment.metadata.generation,
      replicas: after.length,
      updatedReplicas: updated.length,
      readyReplicas: available,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions: [condition('Available', availability, previous), condition('Progressing', progressing, previous)],
    });
    this.writeIfChanged(DEPLOYMENTS, deployment, {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        annotations: { ...deployment.metadata.annotations, [REVISION]: current.metadata.annotations?.[REVISION] ?? '1' },
      },
      status,
    });
    for (const rs of [...owned.filter((r) => r.metadata.uid !== current.metadata.uid), current]) {
      const mine = after.filter((pod) => ownedBy(pod, rs.metadata.uid));
      const latestRs = this.store.get(REPLICA_SETS, namespace, rs.metadata.name);
      if (!latestRs) continue;
      const rsStatus = omitZero({
        replicas: mine.length,
        readyReplicas: mine.filter(isReady).length,
        availableReplicas: mine.filter(isReady).length,
        observedGeneration: 1,
      });
      this.writeIfChanged(REPLICA_SETS, latestRs, {
        ...latestRs,
        spec: { ...(latestRs.spec as Json), replicas: mine.length },
        status: rsStatus,
      });
    }
  }

  /** One kubelet step for a pod: its status per behaviour, and the warnings that state records. */
  private advance(pod: StoredObject): void {
    const life = this.pods.get(pod.metadata.uid);
    if (!life) return;
    const next = { ...nextLife(life), behaviour: life.behaviour };
    this.pods.set(pod.metadata.uid, next);
    const containers = (pod.spec as DeploymentSpec['template']['spec']).containers;
    const status = podStatus(containers, next, pod.metadata.creationTimestamp, (pod.status as Json).podIP as string);
    this.writeIfChanged(PODS, pod, { ...pod, status });
    for (const warning of podWarnings(containers, next, pod.metadata.name, pod.metadata.namespace ?? '', pod.metadata.uid)) {
      this.recordEvent(pod, warning.reason, warning.message, 'Warning', `spec.containers{${warning.container}}`);
    }
  }

  private createPod(deployment: StoredObject, rs: StoredObject): void {
    const template = (deployment.spec as DeploymentSpec).template;
    const namespace = deployment.metadata.namespace ?? '';
    const behaviour = behaviourFor(this.rules, {
      deployment: deployment.metadata.name,
      namespace,
      images: template.spec.containers.map((c) => c.image ?? ''),
    });
    const uid = randomUUID();
    const life = { kind: behaviour.kind, ticks: 0, restarts: 0, behaviour };
    this.pods.set(uid, life);
    const created = timestamp();
    const podIP = `10.244.0.${1 + (Number.parseInt(uid.slice(0, 2), 16) % 250)}`;
    const pod = this.store.put(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        generateName: `${rs.metadata.name}-`,
        namespace,
        uid,
        resourceVersion: '',
        creationTimestamp: created,
        labels: { ...template.metadata?.labels, [HASH]: rs.metadata.labels?.[HASH] ?? '' },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [ownerReference(rs)],
      },
      spec: { ...structuredClone(template.spec), nodeName: 'standin-node' },
      status: podStatus(template.spec.containers, life, created, podIP),
    });
    this.recordEvent(pod, 'Scheduled', `Successfully assigned ${namespace}/${pod.metadata.name} to standin-node`, 'Normal');
  }

  /** Records an event, or bumps the count of the same one, as the kubelet's event aggregation does. */
  private recordEvent(pod: StoredObject, reason: string, message: string, type: 'Normal' | 'Warning', fieldPath?: string): void {
    const namespace = pod.metadata.namespace ?? '';
    const key = `${pod.metadata.uid}/${reason}/${message}`;
    const existing = this.events.has(key) ? this.store.get(EVENTS, namespace, this.events.get(key)!) : undefined;
    const now = timestamp();
    if (existing) {
      this.store.put(EVENTS, { ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: now });
      return;
    }
    const name = `${pod.metadata.name}.${randomBytes(8).toString('hex')}`;
    this.events.set(key, name);
    this.store.put(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, uid: randomUUID(), resourceVersion: '', creationTimestamp: now },
      involvedObject: {
        kind: 'Pod',
        namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        apiVersion: 'v1',
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      source: { component: reason === 'Scheduled' ? 'default-scheduler' : 'kubelet', host: 'standin-node' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: reason === 'Scheduled' ? 'default-scheduler' : 'kubelet',
      reportingInstance: 'standin-node',
    });
  }

  private writeIfChanged(type: ResourceType, before: StoredObject, after: StoredObject): void {
    if (!isDeepStrictEqual(before, after)) this.store.put(type, after);
  }
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

/** A condition keeps its timestamps while nothing about it changes, so a steady state writes nothing. */
function condition(type: string, now: { status: string; reason: string; message: string }, previous: Condition[]): Condition {
  const before = previous.find((c) => c.type === type);
  const same = before && before.status === now.status && before.reason === now.reason && before.message === now.message;
  if (same) return before;
  const time = timestamp();
  return {
    type,
    ...now,
    lastUpdateTime: time,
    lastTransitionTime: before && before.status === now.status ? before.lastTransitionTime : time,
  };
}

function newReplicaSet(deployment: StoredObject, hash: string, revision: number): StoredObject {
  const spec = deployment.spec as DeploymentSpec & { selector: Json };
  const name = `${deployment.metadata.name}-${hash}`;
  const labels = { ...spec.template.metadata?.labels, [HASH]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: deployment.metadata.namespace,
      uid: randomUUID(),
      resourceVersion: '',
      generation: 1,
      creationTimestamp: timestamp(),
      labels,
      annotations: { [REVISION]: String(revision) },
      ownerReferences: [ownerReference(deployment)],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { ...(spec.selector.matchLabels as Json), [HASH]: hash } },
      template: { ...structuredClone(spec.template), metadata: { ...spec.template.metadata, labels } },
    },
  };
}

function withRevision(rs: StoredObject, revision: number): StoredObject {
  return { ...rs, metadata: { ...rs.metadata, annotations: { ...rs.metadata.annotations, [REVISION]: String(revision) } } };
}

function ownerReference(owner: StoredObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function ownedBy(object: StoredObject, uid: string): boolean {
  return object.metadata.ownerReferences?.some((ref) => ref.uid === uid) ?? false;
}

/** Counts of zero are left out, as the API server's JSON omits them. */
function omitZero(status: Json): Json {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0 && value !== undefined));
}

/** RFC 3339 to the second, as the API server writes timestamps. */
export function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
