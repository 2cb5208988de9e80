import type { RolloutBehaviourKind } from './behaviour.ts';

type Json = Record<string, unknown>;
interface Container {
  name: string;
  image?: string;
}

/** What the simulator knows of one pod beyond the object: how it behaves and how long it has lived. */
export interface PodLife {
  kind: RolloutBehaviourKind;
  ticks: number;
  restarts: number;
}

/** The warning a pod's kubelet would record this tick, if any. */
export interface PodWarning {
  reason: 'BackOff' | 'Unhealthy' | 'Failed';
  message: string;
  container: string;
}

/** Whether the pod counts towards ready and available replicas. */
export function isReady(pod: Json): boolean {
  const conditions = ((pod.status as Json | undefined)?.conditions as { type: string; status: string }[] | undefined) ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The pod's status after `life.ticks` ticks: Pending on its first tick, then per behaviour.
 * Pure: the same life always gives the same status, so a tick that changes nothing writes nothing.
 */
export function podStatus(containers: Container[], life: PodLife, startTime: string, podIP: string): Json {
  const started = life.ticks > 0;
  const ready = started && life.kind === 'ready';
  const running = started && life.kind !== 'image-pull-error';
  const statuses = containers.map((container) => ({
    name: container.name,
    image: container.image,
    imageID: running ? `${container.image}` : '',
    ready,
    started: running && life.kind !== 'crash-loop',
    restartCount: life.restarts,
    state: containerState(life, startTime),
    ...(life.restarts > 0
      ? { lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: startTime, finishedAt: startTime } } }
      : {}),
  }));
  const condition = (type: string, status: boolean) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: startTime,
  });
  return {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      condition('PodScheduled', true),
      condition('Initialized', true),
      condition('ContainersReady', ready),
      condition('Ready', ready),
    ],
    hostIP: '10.0.0.1',
    podIP,
    startTime,
    containerStatuses: statuses,
    qosClass: 'Guaranteed',
  };
}

function containerState(life: PodLife, startTime: string): Json {
  if (life.ticks === 0) return { waiting: { reason: 'ContainerCreating' } };
  switch (life.kind) {
    case 'ready':
    case 'never-ready':
      return { running: { startedAt: startTime } };
    case 'crash-loop':
      return { waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container' } };
    case 'image-pull-error':
      return { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } };
  }
}

/** Advances a pod one tick: a crash-looping container restarts every other tick. */
export function nextLife(life: PodLife): PodLife {
  const ticks = life.ticks + 1;
  const restarts = life.kind === 'crash-loop' && ticks % 2 === 1 ? life.restarts + 1 : life.restarts;
  return { ...life, ticks, restarts };
}

/** The warnings the kubelet records for a pod in this state (every tick it persists; events aggregate by count). */
export function podWarnings(containers: Container[], life: PodLife, podName: string, namespace: string, uid: string): PodWarning[] {
  if (life.ticks === 0) return [];
  return containers.flatMap((container): PodWarning[] => {
    switch (life.kind) {
      case 'ready':
        return [];
      case 'never-ready':
        return [
          { reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', container: container.name },
        ];
      case 'crash-loop':
        return [
          {
            reason: 'BackOff',
            message: `Back-off restarting failed container ${container.name} in pod ${podName}_${namespace}(${uid})`,
            container: container.name,
          },
        ];
      case 'image-pull-error':
        return [
          {
            reason: 'Failed',
            message: `Failed to pull image "${container.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`,
            container: container.name,
          },
          { reason: 'BackOff', message: `Back-off pulling image "${container.image}"`, container: container.name },
        ];
    }
  });
}
