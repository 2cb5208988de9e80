import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { clusterSchema } from './cluster-schema.ts';
import { gitopsSchema } from './gitops-schema.ts';
import { securitySchema } from './security-schema.ts';
import { buildTaskSchema, packagesSchema, testTaskSchema } from './tasks-schema.ts';

/** The resources a service can use; each becomes connection variables in its environment. */
export const resourceKinds = ['postgres', 's3'] as const;

function isEd25519PublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** Files at the workspace level that every package's build reads, unless tasks.globalInputs says otherwise. */
export const defaultGlobalInputs = ['tsconfig*.json', '.npmrc', '.nvmrc', '.node-version'];

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter');

const serviceSchema = z.strictObject({
  /** The workspace package (its package.json "name") whose build output the image carries. */
  package: z.string().min(1),
  /** The port the service listens on; it receives it as PORT. */
  port: z.number().int().min(1).max(65535),
  /** The command, relative to the package directory, run inside the image. */
  command: z.array(z.string().min(1)).min(1),
  /** Liveness path (GET, any 2xx). */
  health: z.string().startsWith('/'),
  /** Readiness path (GET, any 2xx); defaults to the health path. */
  readiness: z.string().startsWith('/').optional(),
  /** Plain environment variables (never secrets). */
  env: z.record(z.string(), z.string()).default({}),
  /** External resources it needs: connection settings come from a Secret, never the manifest. */
  uses: z.array(z.enum(resourceKinds)).default([]),
  /** Path prefixes the ingress routes to this service; the service with "/" serves the app. */
  routes: z.array(z.string().startsWith('/')).min(1),
  /**
   * The image to build on, by tag or digest (e.g. "ghcr.io/acme/node:20"); it must put node on its
   * PATH. Default: a base assembled from the build machine's own Node runtime.
   */
  base: z.string().min(1).optional(),
  /** Kubernetes resource requests, also used as limits (quantities such as "100m", "128Mi"). */
  resources: z.strictObject({ cpu: z.string().default('100m'), memory: z.string().default('128Mi') }).prefault({}),
});

const thresholdSchema = z.strictObject({
  lines: z.number().min(0).max(100).optional(),
  functions: z.number().min(0).max(100).optional(),
  branches: z.number().min(0).max(100).optional(),
});

/** A section that `false` turns off: read as `{ enabled: false }`, the rest at its defaults. */
function switchable<T extends z.ZodType>(schema: T) {
  // Not a union: that would report any mistake inside the section as "Invalid input" for all of it.
  return z.preprocess((value: z.input<T> | false) => (value === false ? { enabled: false } : value), schema).prefault({} as z.input<T>);
}

const smokeCheckSchema = z.strictObject({
  name: z.string().min(1),
  path: z.string().startsWith('/'),
  /** Expected HTTP status (default 200). */
  status: z.number().int().default(200),
  /** Text the response body must contain. */
  contains: z.string().optional(),
  /** Load the page in Chromium and wait for this selector to show this text. */
  browser: z.strictObject({ selector: z.string().min(1), text: z.string() }).optional(),
});

const environmentSchema = z.strictObject({
  namespace: name,
  /** The host the ingress answers on. */
  host: z.string().min(1),
  replicas: z.number().int().min(1).default(1),
  /** Plain variables added to every service in this environment. */
  env: z.record(z.string(), z.string()).default({}),
  /** How a release gets here: automatically after the previous environment is stable, or by approval. */
  gate: z.enum(['auto', 'manual']).default('auto'),
  /**
   * Only stable releases enter: a prerelease (changesets' prerelease mode, `1.6.0-rc.0`) stops
   * before it. Default: true for an environment named prod or production.
   */
  stableOnly: z.boolean().optional(),
  /** How to reach the environment's cluster: a kubeconfig, the in-cluster service account, or Lightkeeper. */
  cluster: clusterSchema.optional(),
  /** Where smoke tests reach a cluster environment; default https://<host>. */
  url: z.url().optional(),
  /** GitOps mode: releases are committed to a deploy repository that Argo CD applies (see gitops-schema.ts). */
  gitops: gitopsSchema.optional(),
});

export const configSchema = z.strictObject({
  /** Project name: image repositories and Kubernetes names derive from it. */
  project: name,
  /**
   * The scripts run in each workspace package that has them: a script name, or `{ script, inputs }`
   * with the package-relative globs whose files are the task's inputs (see tasks-schema.ts).
   */
  tasks: z
    .strictObject({
      build: buildTaskSchema,
      test: testTaskSchema,
      /** What the build writes, relative to each package: cached and restored as a whole. */
      outputs: z.array(z.string()).default(['dist']),
      /**
       * Environment variables whose values are inputs of every task's hash. Their values are
       * secrets, masked wherever they appear, unless marked `{ name, public: true }`; a name that
       * looks like a secret's (TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL) is masked regardless.
       */
      env: z
        .array(z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), public: z.boolean().default(false) })]))
        .default([])
        .transform((entries) => entries.map((entry) => (typeof entry === 'string' ? { name: entry, public: false } : entry))),
      /** Files at the workspace level (globs from the root) that every package's build reads. */
      globalInputs: z.array(z.string()).default(defaultGlobalInputs),
    })
    .prefault({}),
  /** Per-package overrides, by package name or glob: another script or none, other inputs, or skip. */
  packages: packagesSchema,
  /** Where each package's test script writes its reports, relative to the package. */
  reports: z.strictObject({ junit: z.string().default('reports/junit.xml'), lcov: z.string().default('coverage/lcov.info') }).prefault({}),
  /**
   * Coverage gates: global, per package; packages listed in exclude (names or globs such as
   * `@scope/*`) are not measured. `coverage: false` turns the stage off.
   */
  coverage: switchable(
    thresholdSchema
      .extend({
        enabled: z.boolean().default(true),
        packages: z.record(z.string(), thresholdSchema).default({}),
        exclude: z.array(z.string()).default([]),
        /** Least share (percent) of the changed lines that tests must run, judged against `base`. */
        changedLines: z.number().min(0).max(100).optional(),
        /** What changed lines are judged against: this ref's merge base with HEAD. Default: on the main
         *  branch, HEAD's first parent (what the merge brought in); elsewhere, the merge base with it. */
        base: z.string().min(1).optional(),
        mainBranch: z.string().min(1).default('main'),
      })
      .prefault({}),
  ),
  /** Where build outputs, test results and installs are cached: the local disk, and optionally S3. */
  cache: z
    .strictObject({
      /** Least recently used local entries are evicted above this size (per kind: deps, outputs, tests). */
      maxMegabytes: z.number().int().positive().default(10_240),
      /**
       * A bucket shared between runners (any S3-compatible endpoint). Credentials come from the
       * usual AWS environment variables or profile, never from this file. Entries are signed with a
       * key that never sits in the bucket (SLIPWAY_CACHE_KEY, `keyFile`); without one the remote is
       * not used.
       */
      remote: z
        .strictObject({
          bucket: z.string().min(1),
          prefix: z.string().optional(),
          endpoint: z.url().optional(),
          region: z.string().optional(),
          /** Path-style URLs, which self-hosted S3 servers usually need; default: when an endpoint is set. */
          forcePathStyle: z.boolean().optional(),
          /**
           * Which runs upload: the branch (or branches) whose runs are trusted to write, or true /
           * false for all or none. Every other run only reads (pull requests, feature branches).
           */
          write: z.union([z.boolean(), z.string().min(1), z.array(z.string().min(1)).min(1)]).default('main'),
          /**
           * A file holding the key that signs and verifies entries, read when SLIPWAY_CACHE_KEY is not
           * set: the HMAC-SHA256 secret, or with `publicKey` the Ed25519 private key (PEM). Relative
           * to the repository; keep it out of the bucket.
           */
          keyFile: z.string().min(1).optional(),
          /**
           * Ed25519 instead of HMAC: the public key (PEM) every run verifies entries with. Only runs
           * given the private key can upload, so pull requests can read without holding a secret.
           */
          publicKey: z
            .string()
            .refine(isEd25519PublicKey, 'expected an Ed25519 public key in PEM form (-----BEGIN PUBLIC KEY-----)')
            .optional(),
        })
        .optional(),
    })
    .prefault({}),
  /** `slipway ci` spread over runners (a GitHub Actions matrix): `slipway ci --shard <i>/<n>`, then `slipway ci --merge`. */
  ci: z
    .strictObject({
      /** How many shards `slipway init github` gives the pull-request workflow's matrix. */
      shards: z.number().int().min(1).max(256).optional(),
      /** How long a shard waits for a build another shard owns to reach the remote cache. */
      shardWaitMinutes: z.number().positive().max(360).default(20),
    })
    .prefault({}),
  /**
   * Stop at the first failure: the builds, tests and stages still running are stopped and nothing
   * else starts. Default: on for `slipway ci` (a pull request wants its first failure soon), off
   * for `slipway run` (a merge's run finds every failure and caches every passing result); the
   * commands' `--fail-fast` and `--no-fail-fast` override it.
   */
  failFast: z.boolean().optional(),
  /** Browser tests: an npm script of a package, run against its built output in Chromium. */
  browserTests: z.strictObject({ package: z.string().min(1), script: z.string().default('test:browser') }).optional(),
  /** Integration tests: an npm script run with real PostgreSQL and S3 in its environment. */
  integration: z
    .strictObject({
      package: z.string().min(1),
      script: z.string().default('test:integration'),
      uses: z.array(z.enum(resourceKinds)).default(['postgres', 's3']),
    })
    .optional(),
  versioning: z
    .strictObject({
      scheme: z.enum(['semver', 'calver']).default('semver'),
      /** The package whose version names the release; defaults to the first service's package. */
      releasePackage: z.string().optional(),
    })
    .prefault({}),
  /**
   * Where releases live and how the release half starts: the embedded forge (a loopback server
   * speaking GitHub's API) or a GitHub repository. `releaseHalf`: "webhook" (the release's
   * `release` webhook starts it), "dispatch" (Slipway sends a `repository_dispatch`), or "needs"
   * (the run ends at the draft release; the workflow's next job runs `slipway release <tag>`).
   */
  forge: z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('local'),
        releaseHalf: z.enum(['webhook', 'dispatch', 'needs']).default('webhook'),
      }),
      z.strictObject({
        kind: z.literal('github'),
        repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/name, e.g. "acme/embark"'),
        /** The REST API root: GitHub Enterprise Server's is https://<host>/api/v3. */
        baseUrl: z.url().default('https://api.github.com'),
        /** The environment variable holding the token (Actions' GITHUB_TOKEN, or a fine-grained token). */
        tokenEnv: z.string().min(1).default('GITHUB_TOKEN'),
        /** Authenticate as a GitHub App installation instead: its id, and env variables for the private key. */
        app: z
          .strictObject({
            appId: z.union([z.number().int().positive(), z.string().min(1)]),
            installationId: z.number().int().positive(),
            privateKeyEnv: z.string().min(1).default('SLIPWAY_GITHUB_APP_PRIVATE_KEY'),
          })
          .optional(),
        releaseHalf: z.enum(['webhook', 'dispatch', 'needs']).default('needs'),
      }),
    ])
    .prefault({ kind: 'local' }),
  /**
   * Registry for images: "local" (the Debian docker-registry on loopback when installed, else OCI
   * image layouts on disk), "oci-layout" (always on disk), or a registry host and namespace.
   */
  registry: z.strictObject({ url: z.string().default('local') }).prefault({}),
  /** Environment variables whose values are secrets (an npm token, a database password): masked wherever they appear. */
  secrets: z.array(z.string().min(1)).default([]),
  /** What gets released; `slipway ci` (build and test only) needs none, `slipway run` at least one. */
  services: z.record(name, serviceSchema).default({}),
  environments: z.record(name, environmentSchema).default({}),
  smoke: z.array(smokeCheckSchema).default([]),
  /** The vulnerability gate: which advisories stop a release, the accepted ones, an unreachable service (see security-schema.ts). */
  security: securitySchema,
  stability: z
    .strictObject({
      windowSeconds: z.number().positive().default(5),
      intervalMs: z.number().int().positive().default(250),
      /** Largest share of failed health checks tolerated (0..1). */
      maxErrorRate: z.number().min(0).max(1).default(0),
      maxP95Ms: z.number().positive().default(500),
      maxRestarts: z.number().int().min(0).default(0),
    })
    .prefault({}),
  /** Where a run's result is sent besides the terminal and its reports. */
  notify: z
    .strictObject({
      /** One Slack message per run, through an incoming webhook. */
      slack: z
        .strictObject({
          /**
           * The environment variable holding the webhook URL. The URL is a secret: it is read from
           * the environment only, never from this file, and masked wherever it would appear.
           */
          webhookUrlEnv: z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, underscores)')
            .default('SLACK_WEBHOOK_URL'),
          /** Which runs send a message: every run, or only failed ones. */
          on: z.enum(['failure', 'always']).default('always'),
        })
        .optional(),
    })
    .prefault({}),
});

/** The configuration as a user writes it (defaults optional). */
export type UserConfig = z.input<typeof configSchema>;
/** The configuration after validation, defaults filled in. */
export type Config = z.output<typeof configSchema>;
export type ServiceConfig = Config['services'][string];
export type EnvironmentConfig = Config['environments'][string];
export type SmokeCheck = Config['smoke'][number];
export type NotifyConfig = Config['notify'];
export type ResourceKind = (typeof resourceKinds)[number];
