import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { exec, type ExecResult } from '../../../shared/exec.ts';
import { Failure } from '../../../shared/feedback/failure.ts';
import type { ClusterAccess } from './access.ts';
import { lightkeeperOutcome } from './lightkeeper-outcome.ts';
import type { LightkeeperClusterConfig } from '../../../config/cluster-schema.ts';

export interface LightkeeperProviderOptions {
  /** Where the token variable and PATH are read, and the CLI's environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** What a relative tokenFile is relative to: the project root; default the working directory. */
  cwd?: string;
  /** Where the configuration sets this provider, for hints, e.g. "environments.nonprod.cluster". */
  setting?: string;
}

/**
 * The cluster's kubeconfig from the Lightkeeper CLI, without a browser:
 * `lightkeeper create clusterconfig <cluster> --token-stdin`, the API token on standard input (never
 * in its arguments, where other processes could read it). With no token the CLI runs without the
 * flag, so a workstation's saved `lightkeeper login` still works; in CI it asks for a login, which
 * becomes the Failure that says to provide the token.
 */
export async function lightkeeperAccess(
  config: LightkeeperClusterConfig,
  options: LightkeeperProviderOptions = {},
): Promise<ClusterAccess> {
  const env = options.env ?? process.env;
  const setting = options.setting ?? 'cluster';
  const { token, origin } = await findToken(config, env, options.cwd ?? process.cwd(), setting);
  const args = ['create', 'clusterconfig', config.cluster, ...(token ? ['--token-stdin'] : [])];
  const command = `${config.executable} create clusterconfig ${config.cluster}`;
  const timeoutMs = config.timeoutSeconds * 1000;

  let result: ExecResult;
  try {
    result = await exec(config.executable, args, { env, input: token, timeoutMs });
  } catch (error) {
    throw notStarted(error as NodeJS.ErrnoException, config.executable, setting);
  }
  return lightkeeperOutcome(
    {
      command,
      code: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
      output: result.output,
      timedOut: result.durationMs >= timeoutMs,
    },
    { config, token, tokenOrigin: origin, setting },
  );
}

async function findToken(
  config: LightkeeperClusterConfig,
  env: NodeJS.ProcessEnv,
  cwd: string,
  setting: string,
): Promise<{ token?: string; origin: string }> {
  if (!config.tokenFile) return { token: env[config.tokenEnv]?.trim() || undefined, origin: config.tokenEnv };
  const path = resolve(cwd, config.tokenFile);
  const origin = `the token file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Failure(
      missing ? `Lightkeeper token file ${path} does not exist` : `cannot read Lightkeeper token file ${path}: ${(error as Error).message}`,
      {
        hint: `mount the Lightkeeper API token for ${config.cluster} at ${path} (${setting}.tokenFile), or remove tokenFile to read ${config.tokenEnv}`,
      },
    );
  }
  const token = text.trim();
  if (!token)
    throw new Failure(`Lightkeeper token file ${path} is empty`, {
      hint: `put the Lightkeeper API token for ${config.cluster} in ${path}`,
    });
  return { token, origin };
}

function notStarted(error: NodeJS.ErrnoException, executable: string, setting: string): Failure {
  const where = executable.includes('/') ? `at ${executable}` : 'on PATH';
  if (error.code === 'ENOENT') {
    return new Failure(`the Lightkeeper CLI (${executable}) was not found ${where}`, {
      hint: `install the Lightkeeper CLI on the runner and put its directory on PATH, or set ${setting}.executable to its full path`,
    });
  }
  if (error.code === 'EACCES') {
    return new Failure(`the Lightkeeper CLI ${where} (${executable}) is not executable`, {
      hint: 'make it executable (chmod +x) for the user running Slipway',
    });
  }
  return new Failure(`the Lightkeeper CLI (${executable}) could not start: ${error.message}`);
}
