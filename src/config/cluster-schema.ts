import { z } from 'zod';

/** An environment variable name, as a shell or CI system accepts it. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits and underscores)');

/** A kubeconfig file: `path`, else the KUBECONFIG variable, else ~/.kube/config. */
const kubeconfigProvider = z.strictObject({
  provider: z.literal('kubeconfig'),
  /** Relative paths are resolved against the project root; `~/` against the home directory. */
  path: z.string().min(1).optional(),
  /** The context to use; default: the file's current-context. */
  context: z.string().min(1).optional(),
});

/** The service account of the pod Slipway runs in (a runner inside the cluster). */
const inClusterProvider = z.strictObject({
  provider: z.literal('in-cluster'),
});

/**
 * The Lightkeeper CLI, run non-interactively: `lightkeeper create clusterconfig <cluster>
 * --token-stdin` with an API token on its standard input; it prints the cluster's kubeconfig.
 */
const lightkeeperProvider = z.strictObject({
  provider: z.literal('lightkeeper'),
  /** The Lightkeeper cluster name, e.g. "nonprod". */
  cluster: z.string().min(1),
  /** The variable holding the Lightkeeper API token (set it as a CI secret). */
  tokenEnv: envName.default('LIGHTKEEPER_TOKEN'),
  /** A file holding the token (a mounted secret); when set, it is used instead of tokenEnv. */
  tokenFile: z.string().min(1).optional(),
  /** The context to use from the printed kubeconfig; default: its current-context. */
  context: z.string().min(1).optional(),
  /** The CLI: a name looked up on PATH, or a path. */
  executable: z.string().min(1).default('lightkeeper'),
  /** The CLI is stopped after this long (a CLI waiting for a browser login would wait forever). */
  timeoutSeconds: z.number().positive().default(60),
});

/**
 * How Slipway reaches an environment's Kubernetes cluster. It sits in each environment of the
 * configuration as `cluster: clusterSchema.optional()`, e.g.
 * `environments.nonprod.cluster: { provider: 'lightkeeper', cluster: 'nonprod', tokenEnv: 'LIGHTKEEPER_TOKEN' }`.
 */
export const clusterSchema = z.discriminatedUnion('provider', [kubeconfigProvider, inClusterProvider, lightkeeperProvider]);

export type ClusterConfig = z.output<typeof clusterSchema>;
export type UserClusterConfig = z.input<typeof clusterSchema>;
export type ClusterProvider = ClusterConfig['provider'];
export type LightkeeperClusterConfig = Extract<ClusterConfig, { provider: 'lightkeeper' }>;
export type KubeconfigClusterConfig = Extract<ClusterConfig, { provider: 'kubeconfig' }>;
