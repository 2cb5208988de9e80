import { sign, verifyWithFallback } from '@octokit/webhooks-methods';

/** Why a delivery was turned away. */
export type DeliveryRejection = 'unsigned' | 'forged' | 'replayed' | 'malformed';

/** The HTTP status each rejection is answered with. */
export const rejectionStatus: Record<DeliveryRejection, number> = { unsigned: 401, forged: 401, replayed: 409, malformed: 400 };

/** A payload as delivered: always a JSON object (every forge event is one). */
export type DeliveryPayload = Record<string, unknown>;

export type Verification =
  { ok: true; deliveryId: string; payload: DeliveryPayload } | { ok: false; reason: DeliveryRejection; message: string };

/** GitHub's signature header: HMAC-SHA256 of the raw body alone, with the webhook's secret. */
export async function signDelivery(secret: string, body: string): Promise<{ 'x-hub-signature-256': string }> {
  return { 'x-hub-signature-256': await sign(secret, body) };
}

/**
 * Checks a delivery as GitHub signs it, in an order that tells an unauthenticated sender nothing
 * but "forged": the signature over the raw body first (against each secret, the current one and
 * those still accepted during a rotation), then the delivery's headers, then the JSON body. GitHub
 * signs no timestamp: the receiver refuses a replay by its `X-GitHub-Delivery` id.
 */
export async function verifyDelivery(opts: {
  /** The current secret first, then any previous one still accepted. */
  secrets: readonly [string, ...string[]];
  headers: Record<string, string | string[] | undefined>;
  body: string;
}): Promise<Verification> {
  const header = (name: string) => {
    const value = Object.entries(opts.headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = header('x-hub-signature-256');
  if (!signature) return reject('unsigned', 'The delivery is not signed: the X-Hub-Signature-256 header is missing.');
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return reject('malformed', 'The X-Hub-Signature-256 header is not of the form sha256=<64 hex digits>.');
  }
  const [current, ...previous] = opts.secrets;
  const signed = opts.body !== '' && (await verifyWithFallback(current, opts.body, signature, previous));
  if (!signed) return reject('forged', 'The signature does not match the body: the delivery was altered or signed with another secret.');

  const deliveryId = header('x-github-delivery');
  if (!deliveryId) return reject('malformed', 'The delivery has no X-GitHub-Delivery id.');
  if (!header('x-github-event')) return reject('malformed', 'The delivery has no X-GitHub-Event header.');
  let payload: unknown;
  try {
    payload = JSON.parse(opts.body);
  } catch (error) {
    return reject('malformed', `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return reject('malformed', `The body is JSON but not an object (it is ${jsonKind(payload)}): an event's payload is a JSON object.`);
  }
  return { ok: true, deliveryId, payload: payload as DeliveryPayload };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function reject(reason: DeliveryRejection, message: string): Verification {
  return { ok: false, reason, message };
}
