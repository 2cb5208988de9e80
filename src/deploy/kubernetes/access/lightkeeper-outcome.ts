import { tailLines } from '../../../shared/exec.ts';
import { Failure } from '../../../shared/feedback/failure.ts';
import { Redactor } from '../../../shared/redactor.ts';
import { checkedAccess, type ClusterAccess } from './access.ts';
import { parseKubeconfig } from './kubeconfig.ts';
import type { LightkeeperClusterConfig } from '../../../config/cluster-schema.ts';

/** One run of `lightkeeper create clusterconfig`, as it ended. */
export interface LightkeeperRun {
  /** The command as shown to the developer, e.g. "lightkeeper create clusterconfig nonprod". */
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  output: string;
  timedOut: boolean;
}

export interface LightkeeperRequest {
  config: LightkeeperClusterConfig;
  /** The token, if one was found, and where it came from ("LIGHTKEEPER_TOKEN", "the token file …"). */
  token?: string;
  tokenOrigin: string;
  /** Where the configuration sets this provider, for hints, e.g. "environments.nonprod.cluster". */
  setting: string;
}

// What device-login CLIs print when they want a browser: the prompt, or the error after it.
const loginPrompt = /to sign in|log ?in required|not logged in|please log ?in|device code|enter (the )?code/i;
const authRejection =
  /\b401\b|\b403\b|unauthori[sz]ed|forbidden|authentication failed|invalid token|token (is )?(invalid|expired)|expired/i;

/**
 * Judges a finished run: the checked cluster access from the kubeconfig it printed, or the
 * Failure that says what to do. The token never appears in what this returns or throws.
 */
export function lightkeeperOutcome(run: LightkeeperRun, request: LightkeeperRequest): ClusterAccess {
  const redactor = new Redactor();
  redactor.add(request.token);
  try {
    return judge(run, request);
  } catch (error) {
    if (error instanceof Failure) throw redacted(error, redactor);
    throw error;
  }
}

function judge(run: LightkeeperRun, request: LightkeeperRequest): ClusterAccess {
  const { config, token, tokenOrigin, setting } = request;
  const excerpt = tailLines(run.output, 12);
  const exit = run.timedOut ? `stopped after ${config.timeoutSeconds}s` : `exit code ${run.code}`;
  const failed = run.timedOut || run.code !== 0;

  if (failed && loginPrompt.test(run.output)) {
    const details = [`${run.command} asked for a browser login, which a pipeline cannot complete (${exit})`];
    if (!token) {
      throw new Failure('Lightkeeper needs a login: no token was provided', {
        details: [...details, `${tokenOrigin} is not set`],
        logExcerpt: excerpt,
        hint: `set ${tokenOrigin} (a Lightkeeper API token for ${config.cluster}) in the CI environment, or run \`lightkeeper login\` once on a workstation`,
      });
    }
    throw new Failure(`Lightkeeper needs a login: the token from ${tokenOrigin} was not accepted`, {
      details,
      logExcerpt: excerpt,
      hint: `replace ${tokenOrigin} with a current Lightkeeper API token for ${config.cluster}`,
    });
  }
  if (run.timedOut) {
    throw new Failure(`${run.command} did not finish within ${config.timeoutSeconds}s`, {
      details: ['the CLI was stopped'],
      logExcerpt: excerpt,
      hint: `the Lightkeeper API may be unreachable from the runner; if it is only slow, raise ${setting}.timeoutSeconds`,
    });
  }
  if (run.code !== 0) {
    const cause = errorLine(run.stderr || run.stdout);
    if (token && authRejection.test(run.stderr)) {
      throw new Failure(`Lightkeeper rejected the token from ${tokenOrigin}: ${cause}`, {
        details: [`${run.command} ended with ${exit}`],
        logExcerpt: excerpt,
        hint: `create a new Lightkeeper API token with access to ${config.cluster} and put it in ${tokenOrigin}`,
      });
    }
    throw new Failure(`${run.command} failed with ${exit}: ${cause}`, {
      details: [`stderr: ${run.stderr.trim() || '(empty)'}`],
      logExcerpt: excerpt,
      hint: `see the Lightkeeper CLI's error; check ${setting}.cluster ("${config.cluster}") and that the token can access it`,
    });
  }

  const parsed = parseKubeconfig(run.stdout);
  if ('problem' in parsed) {
    throw new Failure(`${run.command} printed something that is not a kubeconfig: ${parsed.problem}`, {
      details: [`it exited 0 and printed ${run.stdout.length} characters on stdout`],
      // Only the start: what it printed instead is enough to recognise, and may hold credentials.
      logExcerpt: run.stdout
        .split('\n')
        .filter((line) => line.trim())
        .slice(0, 5),
      hint: `check that "${config.executable}" is the Lightkeeper CLI and supports \`create clusterconfig <cluster> --token-stdin\``,
    });
  }
  return checkedAccess(parsed.kubeconfig, {
    provider: 'lightkeeper',
    source: `the kubeconfig printed by ${run.command}`,
    context: config.context,
    contextSetting: `${setting}.context`,
    secrets: token ? [token] : [],
  });
}

/** The line that says what went wrong: the CLI's "Error:" line, else its last line. */
function errorLine(text: string): string {
  const lines = tailLines(text, 50);
  const error = lines.find((line) => /^\s*error\b/i.test(line)) ?? lines.at(-1) ?? '(no output)';
  return error.trim().replace(/^error:\s*/i, '');
}

function redacted(failure: Failure, redactor: Redactor): Failure {
  return new Failure(redactor.redact(failure.specific), {
    details: failure.details.map((line) => redactor.redact(line)),
    logExcerpt: failure.logExcerpt.map((line) => redactor.redact(line)),
    hint: failure.hint === undefined ? undefined : redactor.redact(failure.hint),
    artifacts: failure.artifacts,
  });
}
