import { redact } from '../../shared/redactor.ts';

/**
 * What an S3 error means for the cache:
 * - missing: no such object (a plain miss);
 * - unreachable: the endpoint cannot be reached or does not answer in time;
 * - rejected: the endpoint answers but refuses every request (credentials, bucket, region), so
 *   trying more keys is pointless;
 * - failed: anything else, about this one request.
 */
export type RemoteErrorKind = 'missing' | 'unreachable' | 'rejected' | 'failed';

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);
const rejectedNames = new Set([
  'NoSuchBucket',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'InvalidBucketName',
  'ExpiredToken',
  'InvalidToken',
  'AccountProblem',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function classifyRemoteError(error: unknown): RemoteErrorKind {
  const { name = '', code = '', message = '', $metadata } = (error ?? {}) as ErrorLike;
  const status = $metadata?.httpStatusCode;
  if (rejectedNames.has(name) || /region is missing/i.test(message)) return 'rejected';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'missing';
  if (networkCodes.has(code) || name === 'TimeoutError' || (status === undefined && /socket|connect/i.test(message))) return 'unreachable';
  return 'failed';
}

/**
 * One line for a warning: the error's name, code or status and message, with every secret
 * replaced.
 */
export function describeRemoteError(error: unknown, secrets: string[]): string {
  const { name = 'Error', code, message = String(error), $metadata } = (error ?? {}) as ErrorLike;
  const status = $metadata?.httpStatusCode;
  const parts = [name, code && code !== name ? code : undefined, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const firstLine = message.split('\n')[0].trim().replace(/\.$/, '');
  const text = firstLine && firstLine !== name ? `${parts}: ${firstLine}` : parts;
  const safe = redact(text, secrets); // before shortening, so no part of a secret is left
  return safe.length > 300 ? `${safe.slice(0, 300)}…` : safe;
}

/** The endpoint as shown in messages: without any user:password@ part. */
export function displayEndpoint(endpoint: string | undefined): string {
  if (!endpoint) return 'AWS S3';
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(invalid endpoint URL)';
  }
}
