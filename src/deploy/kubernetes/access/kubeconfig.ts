import { parse, stringify } from 'yaml';
import { z } from 'zod';

// The kubeconfig document in its own (kebab-case) shape. Unknown fields are kept (exec plugins,
// extensions), so the YAML handed on is the one the provider gave, not a lossy re-creation.
const list = <T extends z.ZodType>(entry: T) =>
  z
    .array(entry)
    .nullish()
    .transform((entries) => entries ?? []);

const clusterEntry = z.looseObject({
  name: z.string().min(1),
  cluster: z.looseObject({
    server: z.string().optional(),
    'certificate-authority': z.string().optional(),
    'certificate-authority-data': z.string().optional(),
    'insecure-skip-tls-verify': z.boolean().optional(),
  }),
});

const userEntry = z.looseObject({
  name: z.string().min(1),
  user: z
    .looseObject({
      token: z.string().optional(),
      tokenFile: z.string().optional(),
      'client-certificate': z.string().optional(),
      'client-certificate-data': z.string().optional(),
      'client-key': z.string().optional(),
      'client-key-data': z.string().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
    })
    .nullish()
    .transform((user) => user ?? {}),
});

const contextEntry = z.looseObject({
  name: z.string().min(1),
  context: z.looseObject({
    cluster: z.string().min(1),
    user: z.string().optional(),
    namespace: z.string().optional(),
  }),
});

const kubeconfigDocument = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  clusters: list(clusterEntry),
  users: list(userEntry),
  contexts: list(contextEntry),
  'current-context': z.string().nullish(),
});

export type Kubeconfig = z.output<typeof kubeconfigDocument>;
export type KubeconfigCluster = Kubeconfig['clusters'][number];
export type KubeconfigUser = Kubeconfig['users'][number];
export type KubeconfigContext = Kubeconfig['contexts'][number];

/** A kubeconfig, or why the text is not one (phrased to follow "… is not a kubeconfig: "). */
export type ParsedKubeconfig = { kubeconfig: Kubeconfig } | { problem: string };

export function parseKubeconfig(text: string): ParsedKubeconfig {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { problem: `it is not YAML (${firstLine((error as Error).message)})` };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { problem: `expected a YAML mapping with clusters, users and contexts, got ${describe(document)}` };
  }
  const fields = document as Record<string, unknown>;
  if (fields.kind !== undefined && fields.kind !== 'Config')
    return { problem: `its kind is ${JSON.stringify(fields.kind)}, expected "Config"` };
  if (!('clusters' in fields) && !('contexts' in fields)) {
    return { problem: `it has neither clusters nor contexts (top-level keys: ${Object.keys(fields).join(', ') || 'none'})` };
  }
  const checked = kubeconfigDocument.safeParse(document);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { problem: `${issuePath(issue.path)}: ${issue.message}` };
  }
  return { kubeconfig: checked.data };
}

/**
 * Several kubeconfigs as one, the way kubectl merges the files of KUBECONFIG: the first file to
 * define a name wins, and the first current-context set wins.
 */
export function mergeKubeconfigs(kubeconfigs: Kubeconfig[]): Kubeconfig {
  const firstByName = <T extends { name: string }>(entries: T[]) =>
    entries.filter((entry, index) => entries.findIndex((other) => other.name === entry.name) === index);
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: firstByName(kubeconfigs.flatMap((config) => config.clusters)),
    users: firstByName(kubeconfigs.flatMap((config) => config.users)),
    contexts: firstByName(kubeconfigs.flatMap((config) => config.contexts)),
    'current-context': kubeconfigs.map((config) => config['current-context']).find((name) => name) ?? undefined,
  };
}

/** The kubeconfig as YAML with the chosen context current, for kubectl or a Kubernetes client. */
export function kubeconfigYaml(kubeconfig: Kubeconfig, currentContext: string): string {
  return stringify({
    ...kubeconfig,
    apiVersion: kubeconfig.apiVersion ?? 'v1',
    kind: kubeconfig.kind ?? 'Config',
    'current-context': currentContext,
  });
}

/** The credentials written in a kubeconfig, for the run's redactor. */
export function kubeconfigSecrets(kubeconfig: Kubeconfig): string[] {
  return kubeconfig.users
    .flatMap(({ user }) => [user.token, user.password, user['client-key-data']])
    .filter((value): value is string => Boolean(value));
}

function issuePath(path: PropertyKey[]): string {
  return (
    path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('') ||
    '(top level)'
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `a ${typeof value}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
