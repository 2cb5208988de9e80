import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryLog } from './delivery-log.ts';

/** Why a delivery was turned away. */
export type DeliveryRejection = 'unsigned' | 'forged' | 'stale' | 'replayed' | 'malformed';

/** The HTTP status each rejection is answered with. */
export const rejectionStatus: Record<DeliveryRejection, number> = { unsigned: 401, forged: 401, stale: 401, replayed: 409, malformed: 400 };

/** A payload as delivered: always a JSON object (every forge event is one). */
export type DeliveryPayload = Record<string, unknown>;

export type Verification =
  { ok: true; deliveryId: string; payload: DeliveryPayload } | { ok: false; reason: DeliveryRejection; message: string };

/**
 * GitHub's signature header, computed over `<timestamp>.<body>` rather than the body alone so a
 * captured delivery cannot be replayed later with a fresh timestamp. The timestamp is in ms.
 */
export function signDelivery(
  secret: string,
  body: string,
  timestamp: number,
): { 'x-hub-signature-256': string; 'x-slipway-timestamp': string } {
  return { 'x-hub-signature-256': `sha256=${hmac(secret, String(timestamp), body)}`, 'x-slipway-timestamp': String(timestamp) };
}

function hmac(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Checks a delivery, in an order that tells an unauthenticated sender nothing but "forged":
 * signature first, then freshness, then replay, then the JSON body. An accepted delivery's id is
 * recorded in `seen` in the same synchronous step, so a concurrent duplicate cannot slip through.
 */
export function verifyDelivery(opts: {
  secret: string;
  headers: Record<string, string | undefined>;
  body: string;
  now: number;
  toleranceMs: number;
  seen: DeliveryLog;
}): Verification {
  const header = (name: string) => Object.entries(opts.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const signature = header('x-hub-signature-256');
  const timestamp = header('x-slipway-timestamp');
  if (!signature) return reject('unsigned', 'The delivery is not signed: the x-hub-signature-256 header is missing.');
  if (!timestamp) return reject('unsigned', 'The delivery carries no x-slipway-timestamp header, so its signature cannot be checked.');
  const given = /^sha256=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!given) return reject('malformed', 'The x-hub-signature-256 header is not of the form sha256=<64 hex digits>.');
  const expected = Buffer.from(hmac(opts.secret, timestamp, opts.body), 'hex');
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    return reject('forged', 'The signature does not match the body: the delivery was altered or signed with another secret.');
  }

  const signedAt = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(signedAt)) return reject('malformed', `The x-slipway-timestamp header "${timestamp}" is not a time in milliseconds.`);
  const ageMs = opts.now - signedAt;
  if (Math.abs(ageMs) > opts.toleranceMs) {
    const when = ageMs > 0 ? `${seconds(ageMs)} ago` : `${seconds(-ageMs)} in the future`;
    return reject(
      'stale',
      `The delivery was signed ${when}; deliveries are accepted within ${seconds(opts.toleranceMs)} of their signing.`,
    );
  }

  const deliveryId = header('x-github-delivery');
  if (!deliveryId) return reject('malformed', 'The delivery has no x-github-delivery id.');
  if (!header('x-github-event')) return reject('malformed', 'The delivery has no x-github-event header.');
  if (opts.seen.has(deliveryId)) return reject('replayed', `Delivery ${deliveryId} was already received; it is processed once.`);
  let payload: unknown;
  try {
    payload = JSON.parse(opts.body);
  } catch (error) {
    return reject('malformed', `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return reject('malformed', `The body is JSON but not an object (it is ${jsonKind(payload)}): an event's payload is a JSON object.`);
  }
  opts.seen.add(deliveryId);
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

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
