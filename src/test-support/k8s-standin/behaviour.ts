/** How the simulated pods of a rollout behave. */
export type RolloutBehaviourKind = 'ready' | 'never-ready' | 'crash-loop' | 'image-pull-error';

export interface RolloutBehaviour {
  kind: RolloutBehaviourKind;
  /** What `GET .../pods/{name}/log` returns for these pods; each kind has a plausible default. */
  logs?: string[];
}

/** Which deployments a behaviour applies to: every field given must match. */
export interface BehaviourMatch {
  deployment?: string;
  namespace?: string;
  /** A substring of, or a pattern for, any container image of the pod template. */
  image?: string | RegExp;
}

export interface BehaviourRule {
  match: BehaviourMatch;
  behaviour: RolloutBehaviour;
}

const defaultLogs: Record<RolloutBehaviourKind, string[]> = {
  ready: ['starting', 'server listening'],
  'never-ready': ['starting', 'waiting for the database connection…', 'readiness check failed: database not reachable'],
  'crash-loop': [
    'starting',
    'Error: connect ECONNREFUSED 127.0.0.1:5432',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
    'process exited with code 1',
  ],
  'image-pull-error': [],
};

/** The behaviour for a new pod of `deployment`: the last rule that matches wins, `ready` by default. */
export function behaviourFor(
  rules: BehaviourRule[],
  target: { deployment: string; namespace: string; images: string[] },
): RolloutBehaviour {
  const matching = rules.filter(
    ({ match }) =>
      (match.deployment === undefined || match.deployment === target.deployment) &&
      (match.namespace === undefined || match.namespace === target.namespace) &&
      (match.image === undefined ||
        target.images.some((image) => (typeof match.image === 'string' ? image.includes(match.image) : match.image!.test(image)))),
  );
  return matching.at(-1)?.behaviour ?? { kind: 'ready' };
}

export function logsOf(behaviour: RolloutBehaviour): string[] {
  return behaviour.logs ?? defaultLogs[behaviour.kind];
}
