import { Failure } from '../../../shared/feedback/failure.ts';
import { redact } from '../../../shared/redactor.ts';
import { apiStatusOf } from './api-status.ts';
import type { KubeClient } from './client.ts';
import { rejectionsFailure } from './rejections.ts';

type Access = KubeClient['access'];

/**
 * A failed API call as the developer should read it: refused credentials, an unreachable server,
 * a rejected object (field by field) or the server's own message with its HTTP status. `attempt`
 * says what was being done: "apply Deployment embark-backend in embark-dev". Credentials never
 * appear: server messages, which can echo what they were sent, are redacted with the access's secrets.
 */
export function apiFailure(access: Access, error: unknown, attempt: string, object?: string): Failure {
  if (error instanceof Failure) return error;
  const status = apiStatusOf(error);
  const clean = (text: string) => redact(text, access.secrets);
  if (!status) {
    const reason = clean(error instanceof Error ? error.message : String(error));
    return new Failure(`cannot reach the Kubernetes API server ${access.server} (from ${access.source})`, {
      details: [`while trying to ${attempt}: ${reason}`],
      hint: 'Check that the cluster is up and reachable from this runner (VPN, firewall, proxy) and that the kubeconfig names the right server.',
    });
  }
  if (status.code === 401 || status.code === 403) return credentialsFailure(access, status.code, clean(status.message ?? ''), attempt);
  const message = clean(status.message ?? 'no message');
  if (object && (status.code === 409 || status.code === 422) && status.causes.length > 0) {
    return rejectionsFailure(
      [{ object, status: { ...status, message, causes: status.causes.map((c) => ({ ...c, message: c.message && clean(c.message) })) } }],
      { dryRun: false },
    );
  }
  return new Failure(`cannot ${attempt}: HTTP ${status.code}${status.reason ? ` ${status.reason}` : ''}: ${message}`, {
    details: [`API server: ${access.server} (from ${access.source})`],
    hint: status.code >= 500 ? "The API server failed: retry, and check the cluster's health if it persists." : undefined,
  });
}

function credentialsFailure(access: Access, code: 401 | 403, message: string, attempt: string): Failure {
  const refused = `the cluster refused the credentials of ${access.source} (${code === 401 ? '401 Unauthorized' : '403 Forbidden'})`;
  const details = [
    `while trying to ${attempt}`,
    `API server: ${access.server}`,
    ...(message && message !== 'Unauthorized' ? [`server: ${message}`] : []),
  ];
  const renew =
    access.provider === 'lightkeeper'
      ? 'The Lightkeeper kubeconfig has probably expired: renew the Lightkeeper API token the pipeline uses (it gets a fresh kubeconfig from `lightkeeper create clusterconfig` on each run) and run again.'
      : access.provider === 'in-cluster'
        ? "The service account token was refused: check that the runner's service account still exists and its token is mounted."
        : `The token or certificate in ${access.source} has expired or been revoked: renew the kubeconfig and run again.`;
  const hint =
    code === 401
      ? renew
      : `The credentials are valid but may not do this: grant the user RBAC permission to ${attempt.split(' ')[0]} these objects, or renew the kubeconfig if its role was narrowed.`;
  return new Failure(refused, { details, hint });
}

/** Runs one API request, turning its error into a Failure (see apiFailure). */
export async function callApi<T>(client: KubeClient, attempt: string, request: () => Promise<T>, object?: string): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw apiFailure(client.access, error, attempt, object);
  }
}
