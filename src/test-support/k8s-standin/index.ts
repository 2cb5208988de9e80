import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BehaviourMatch, RolloutBehaviour, RolloutBehaviourKind } from './behaviour.ts';
import { kubeconfigFor } from './kubeconfig.ts';
import { ServiceBackends, type ServiceHandler } from './proxy.ts';
import { resourceForKind } from './resources.ts';
import { RolloutSimulator } from './rollout.ts';
import { createApiServer, type RecordedRequest } from './server.ts';
import { ObjectStore, type StoredObject } from './store.ts';

export type { BehaviourMatch, RolloutBehaviour, RolloutBehaviourKind } from './behaviour.ts';
export type { ServiceHandler, ServiceResponse } from './proxy.ts';
export type { RecordedRequest } from './server.ts';
export type { StoredObject } from './store.ts';

export interface KubeStandinOptions {
  /** How often the simulated controllers and kubelet step (default 50 ms). */
  tickMs?: number;
  /** Multiplies durations from specs, such as progressDeadlineSeconds (default 0.001: 600 s → 600 ms). */
  timeScale?: number;
  /** The context's default namespace in the kubeconfig. */
  namespace?: string;
}

export interface KubeStandin {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Kubeconfig YAML whose current context points at `url` with the bearer token. */
  kubeconfig: string;
  token: string;
  /** A stored object by apiVersion and kind, as a GET would return it. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): StoredObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): StoredObject[];
  /**
   * Creates or replaces an object as a controller would, whatever its kind allows clients (an Argo
   * CD Application and its status); the server sets uid, creation time and resourceVersion.
   */
  set(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }): StoredObject;
  /** Every request served so far, in order. */
  requests: RecordedRequest[];
  /** How new pods of matching deployments behave from now on; the last matching rule wins, `ready` by default. */
  setRolloutBehaviour(match: BehaviourMatch, behaviour: RolloutBehaviour | RolloutBehaviourKind): void;
  /** What the Service's pods answer through `GET .../services/{name}[:{port}]/proxy/{path}` once it has ready endpoints. */
  serveService(namespace: string, name: string, handler: ServiceHandler): void;
  close(): Promise<void>;
}

/** Starts the API server stand-in on a free loopback port. */
export async function startKubeStandin(options: KubeStandinOptions = {}): Promise<KubeStandin> {
  const store = new ObjectStore();
  const simulator = new RolloutSimulator(store, { tickMs: options.tickMs ?? 50, timeScale: options.timeScale ?? 0.001 });
  const token = randomBytes(24).toString('hex');
  const requests: RecordedRequest[] = [];
  const watches = new Set<ServerResponse>();
  const backends = new ServiceBackends();
  const server = createApiServer({ store, simulator, token, requests, watches, backends });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const typeOf = (apiVersion: string, kind: string) => {
    const type = resourceForKind(apiVersion, kind);
    if (!type) throw new Error(`the stand-in does not serve ${apiVersion} ${kind}`);
    return type;
  };
  return {
    url,
    kubeconfig: kubeconfigFor(url, token, options.namespace),
    token,
    requests,
    get: (apiVersion, kind, namespace, name) => store.get(typeOf(apiVersion, kind), namespace, name),
    list: (apiVersion, kind, namespace) => store.list(typeOf(apiVersion, kind), namespace),
    set: (object) => {
      const type = typeOf(object.apiVersion, object.kind);
      const existing = store.get(type, object.metadata.namespace, object.metadata.name);
      const metadata = {
        uid: existing?.metadata.uid ?? randomUUID(),
        creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
        resourceVersion: '',
        ...object.metadata,
      };
      return store.put(type, { ...object, metadata });
    },
    setRolloutBehaviour: (match, behaviour) =>
      simulator.setBehaviour(match, typeof behaviour === 'string' ? { kind: behaviour } : behaviour),
    serveService: (namespace, name, handler) => backends.serve(namespace, name, handler),
    close: async () => {
      simulator.stop();
      for (const watch of watches) watch.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
