import { Failure } from '../../../shared/feedback/failure.ts';
import { signDelivery } from './signature.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** Wait before the second attempt, doubled for each one after (default 200 ms). */
  backoffMs: number;
  /** Per attempt (default 10 s). */
  timeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, backoffMs: 200, timeoutMs: 10_000 };

export interface Delivery {
  url: string;
  secret: string;
  event: string;
  /** Kept across retries and redeliveries, so the receiver processes the delivery once. */
  deliveryId: string;
  body: string;
  /** Further headers GitHub sends with a delivery (the hook's id and target). */
  headers?: Record<string, string>;
}

/** A delivery the receiver refused or never answered, with the attempts it took. */
export class DeliveryFailure extends Failure {
  constructor(
    specific: string,
    readonly attempts: number,
    options: { details: string[]; hint?: string },
  ) {
    super(specific, options);
  }
}

export interface DeliveryOutcome {
  /** "duplicate": the receiver already had this delivery id (409), which counts as delivered. */
  result: 'accepted' | 'duplicate';
  status: number;
  attempts: number;
}

/**
 * POSTs a delivery signed as GitHub signs it. Connection errors, timeouts and 5xx answers are
 * retried with backoff under the same delivery id; any other refusal is final.
 */
export async function sendDelivery(delivery: Delivery, policy: RetryPolicy = defaultRetryPolicy): Promise<DeliveryOutcome> {
  const target = displayUrl(delivery.url);
  const { url, authorization } = splitCredentials(delivery.url);
  let lastProblem = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, policy.backoffMs * 2 ** (attempt - 2)));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          ...authorization,
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/slipway',
          'x-github-event': delivery.event,
          'x-github-delivery': delivery.deliveryId,
          ...delivery.headers,
          ...(await signDelivery(delivery.secret, delivery.body)),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
    } catch (error) {
      lastProblem = connectionProblem(error, policy.timeoutMs);
      continue;
    }
    const text = await response.text();
    if (response.ok) return { result: 'accepted', status: response.status, attempts: attempt };
    if (response.status === 409) return { result: 'duplicate', status: response.status, attempts: attempt };
    const message = receiverMessage(text);
    if (response.status < 500) {
      throw new DeliveryFailure(
        `The webhook receiver at ${target} refused the ${delivery.event} delivery with ${response.status}`,
        attempt,
        {
          details: [`delivery ${delivery.deliveryId}`, ...(message ? [message] : [])],
          hint: response.status === 401 ? 'The forge and the receiver must be configured with the same webhook secret.' : undefined,
        },
      );
    }
    lastProblem = `answered ${response.status}${message ? `: ${message}` : ''}`;
  }
  throw new DeliveryFailure(`Webhook delivery to ${target} failed after ${policy.attempts} attempts: ${lastProblem}`, policy.attempts, {
    details: [`event ${delivery.event}, delivery ${delivery.deliveryId}`],
    hint: 'Check that the receiver is running, then redeliver: the same delivery id is used, so it is processed once.',
  });
}

/** The URL without any password in it, for messages and stored state. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}

/** fetch refuses URLs with credentials: they travel as HTTP basic authentication instead. */
function splitCredentials(raw: string): { url: string; authorization?: { authorization: string } } {
  const parsed = new URL(raw);
  if (parsed.username === '' && parsed.password === '') return { url: raw };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}

/** fetch reports "fetch failed" and puts the useful part (ECONNREFUSED …) in the cause. */
function connectionProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** Our receiver answers {error, message}; other receivers' text is passed on, trimmed. */
function receiverMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: use the text itself
  }
  return text.trim().slice(0, 300);
}
