import type { ProcessRef } from '../../../shared/process.ts';

/** A backing service started for integration tests or the local environment. */
export interface RunningResource {
  kind: 'postgres' | 's3';
  /** Connection variables for the code under test (see resourceSecretNames for the secret ones). */
  env: Record<string, string>;
  /** The server's process when it runs in a process of its own (always when detached). */
  process?: ProcessRef;
  /** Where the server keeps its data; with the process, what stopDetachedResource needs. */
  dataDir: string;
  /** Stops the server and removes its data; resolves once no server process is left. */
  stop(): Promise<void>;
}
