import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { Failure } from '../../../shared/feedback/failure.ts';
import { checkedAccess, type ClusterAccess } from './access.ts';
import { mergeKubeconfigs, parseKubeconfig, type Kubeconfig } from './kubeconfig.ts';
import type { KubeconfigClusterConfig } from '../../../config/cluster-schema.ts';

export interface KubeconfigProviderOptions {
  /** Where KUBECONFIG and HOME are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** What a relative `path` is relative to: the project root; default the working directory. */
  cwd?: string;
  /** Where the configuration sets this provider, for hints, e.g. "environments.nonprod.cluster". */
  setting?: string;
}

/**
 * The kubeconfig from `path`, else from the files of KUBECONFIG (merged as kubectl does, missing
 * ones skipped), else ~/.kube/config.
 */
export async function kubeconfigAccess(config: KubeconfigClusterConfig, options: KubeconfigProviderOptions = {}): Promise<ClusterAccess> {
  const env = options.env ?? process.env;
  const setting = options.setting ?? 'cluster';
  const home = env.HOME || homedir();
  const expand = (path: string) =>
    path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : resolve(options.cwd ?? process.cwd(), path);

  let files: string[];
  let origin: string;
  if (config.path) {
    files = [expand(config.path)];
    origin = `${setting}.path`;
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(delimiter).filter(Boolean).map(expand);
    origin = 'KUBECONFIG';
  } else {
    files = [join(home, '.kube', 'config')];
    origin = 'the default location';
  }

  const loaded: Kubeconfig[] = [];
  for (const file of files) {
    const text = await readIfPresent(file);
    // kubectl skips the missing files of KUBECONFIG; a single named file must exist.
    if (text === undefined) continue;
    const parsed = parseKubeconfig(text);
    if ('problem' in parsed)
      throw new Failure(`${file} is not a kubeconfig: ${parsed.problem}`, {
        hint: `point ${origin} at a kubeconfig file (kubectl config view --raw shows a valid one)`,
      });
    loaded.push(withAbsolutePaths(parsed.kubeconfig, dirname(file)));
  }
  if (loaded.length === 0) {
    const what =
      files.length === 1
        ? `kubeconfig file ${files[0]} does not exist`
        : `none of the kubeconfig files in KUBECONFIG exist (${files.join(', ')})`;
    throw new Failure(what, {
      details: [`the file comes from ${origin}`],
      hint: `set ${setting}.path in slipway.config.ts, or KUBECONFIG, to your kubeconfig file`,
    });
  }
  return checkedAccess(files.length === 1 ? loaded[0]! : mergeKubeconfigs(loaded), {
    provider: 'kubeconfig',
    source: files.length === 1 ? files[0]! : `KUBECONFIG (${files.join(delimiter)})`,
    context: config.context,
    contextSetting: `${setting}.context`,
  });
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Failure(`cannot read kubeconfig file ${file}: ${(error as Error).message}`, {
      hint: "check the file's permissions for the user running Slipway",
    });
  }
}

/** Paths inside a kubeconfig are relative to its file; made absolute so the YAML works from anywhere. */
function withAbsolutePaths(kubeconfig: Kubeconfig, dir: string): Kubeconfig {
  const absolute = (path: string | undefined) => (path && !isAbsolute(path) ? resolve(dir, path) : path);
  return {
    ...kubeconfig,
    clusters: kubeconfig.clusters.map((entry) => ({
      ...entry,
      cluster: { ...entry.cluster, ...defined({ 'certificate-authority': absolute(entry.cluster['certificate-authority']) }) },
    })),
    users: kubeconfig.users.map((entry) => ({
      ...entry,
      user: {
        ...entry.user,
        ...defined({
          tokenFile: absolute(entry.user.tokenFile),
          'client-certificate': absolute(entry.user['client-certificate']),
          'client-key': absolute(entry.user['client-key']),
        }),
      },
    })),
  };
}

/** Only the fields that have a value, so a spread does not add `key: undefined` to the YAML. */
function defined<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
