import { Failure } from '../../shared/feedback/failure.ts';

interface ErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** The registry's own errors from a distribution-spec error body, or nothing when it sent none. */
export function parseRegistryErrors(body: string): { code: string; message: string }[] {
  try {
    const parsed = JSON.parse(body) as ErrorBody;
    return (parsed.errors ?? []).map((error) => ({ code: error.code ?? 'UNKNOWN', message: error.message ?? '' }));
  } catch {
    return [];
  }
}

function hintFor(status: number, codes: string[]): string {
  if (status === 401 || codes.includes('UNAUTHORIZED'))
    return 'check the registry credentials (SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD); they must allow pushing to this repository';
  if (status === 403 || codes.includes('DENIED'))
    return 'the credentials are valid but may not push here: grant write access to the repository (for ghcr.io, a token with write:packages)';
  if (status === 405 || codes.includes('UNSUPPORTED'))
    return 'the registry does not accept pushes (read-only or maintenance mode); check registry.url in slipway.config.ts';
  if (codes.includes('NAME_INVALID'))
    return 'the repository name is not valid for this registry: use lower-case letters, digits and separators';
  if (codes.includes('MANIFEST_INVALID') || codes.includes('MANIFEST_BLOB_UNKNOWN'))
    return 'the registry rejected the image manifest; rebuild the image and push again';
  if (status === 429 || status >= 500) return 'the registry kept failing after retries; try again later or check its status';
  return 'check the registry URL and the repository name in slipway.config.ts';
}

/** The registry's plain-text answer when it is one short line (not an HTML error page). */
function plainText(body: string): string | undefined {
  const text = body.trim();
  return text && !text.includes('\n') && !text.startsWith('<') && text.length <= 200 ? text : undefined;
}

/**
 * A refusal, in the registry's own words: "registry refused the upload of embark/backend:
 * 405 UNSUPPORTED: The operation is unsupported." Request URLs never carry credentials.
 */
export function registryRefusal(
  operation: string,
  request: string,
  response: { status: number; statusText: string; body: string; allow?: string },
): Failure {
  const { status, statusText, body } = response;
  const errors = parseRegistryErrors(body);
  const reason =
    errors.length > 0
      ? errors.map((error) => `${error.code}: ${error.message}`).join('; ')
      : (plainText(body) ?? (statusText || 'no error text'));
  const details = [`${request} answered ${status} ${statusText}`.trim()];
  if (response.allow) details.push(`the registry allows only ${response.allow} here`);
  if (errors.length === 0 && body.trim() && !plainText(body)) details.push(body.trim().slice(0, 500));
  return new Failure(`registry refused ${operation}: ${status} ${reason}`, {
    details,
    hint: hintFor(
      status,
      errors.map((error) => error.code),
    ),
  });
}
