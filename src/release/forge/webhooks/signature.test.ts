import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLog } from './delivery-log.ts';
import { signDelivery, verifyDelivery } from './signature.ts';

const secret = 'hook-secret';
const now = 1_790_000_000_000;
const body = JSON.stringify({ action: 'created', release: { tag_name: 'v1.5.0' } });

function headers(overrides: Record<string, string | undefined> = {}, signedAt = now, signedBody = body, key = secret) {
  return {
    ...signDelivery(key, signedBody, signedAt),
    'x-github-event': 'release',
    'x-github-delivery': 'd-1',
    ...overrides,
  };
}

function verify(given: Record<string, string | undefined>, seen = new MemoryDeliveryLog(), sentBody = body) {
  return verifyDelivery({ secret, headers: given, body: sentBody, now, toleranceMs: 300_000, seen });
}

describe('signDelivery', () => {
  it("signs <timestamp>.<body> with HMAC-SHA256 in GitHub's header format", () => {
    // echo -n '1790000000000.{}' | openssl dgst -sha256 -hmac hook-secret
    expect(signDelivery(secret, '{}', now)).toEqual({
      'x-hub-signature-256': 'sha256=d62e0c4c1179816ed84a67349416a14a5225658db01dffd813db731a132b7878',
      'x-slipway-timestamp': '1790000000000',
    });
  });
});

describe('verifyDelivery', () => {
  it('accepts a signed, fresh, new delivery, records it and returns its payload', () => {
    const seen = new MemoryDeliveryLog();
    expect(verify(headers(), seen)).toEqual({
      ok: true,
      deliveryId: 'd-1',
      payload: { action: 'created', release: { tag_name: 'v1.5.0' } },
    });
    expect(seen.has('d-1')).toBe(true);
  });

  it('finds the headers whatever their case', () => {
    const given = Object.fromEntries(Object.entries(headers()).map(([name, value]) => [name.toUpperCase(), value]));
    expect(verify(given).ok).toBe(true);
  });

  it('rejects an unsigned delivery', () => {
    expect(verify(headers({ 'x-hub-signature-256': undefined }))).toEqual({
      ok: false,
      reason: 'unsigned',
      message: 'The delivery is not signed: the x-hub-signature-256 header is missing.',
    });
    expect(verify(headers({ 'x-slipway-timestamp': undefined }))).toEqual({
      ok: false,
      reason: 'unsigned',
      message: 'The delivery carries no x-slipway-timestamp header, so its signature cannot be checked.',
    });
  });

  it('rejects a body altered after signing, and a signature made with another secret', () => {
    const forged = {
      ok: false,
      reason: 'forged',
      message: 'The signature does not match the body: the delivery was altered or signed with another secret.',
    };
    expect(verify(headers(), new MemoryDeliveryLog(), body.replace('v1.5.0', 'v6.6.6'))).toEqual(forged);
    expect(verify(headers({}, now, body, 'other-secret'))).toEqual(forged);
  });

  it('rejects a timestamp moved forward, since the timestamp is signed too', () => {
    const signed = headers({}, now - 3_600_000);
    expect(verify({ ...signed, 'x-slipway-timestamp': String(now) })).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('rejects a stale delivery and one from the future, saying by how much', () => {
    expect(verify(headers({}, now - 301_000))).toEqual({
      ok: false,
      reason: 'stale',
      message: 'The delivery was signed 301 s ago; deliveries are accepted within 300 s of their signing.',
    });
    expect(verify(headers({}, now + 400_000))).toEqual({
      ok: false,
      reason: 'stale',
      message: 'The delivery was signed 400 s in the future; deliveries are accepted within 300 s of their signing.',
    });
  });

  it('rejects a replayed delivery id, so a duplicate is processed once', () => {
    const seen = new MemoryDeliveryLog();
    expect(verify(headers(), seen).ok).toBe(true);
    expect(verify(headers(), seen)).toEqual({
      ok: false,
      reason: 'replayed',
      message: 'Delivery d-1 was already received; it is processed once.',
    });
  });

  it('rejects malformed deliveries with the field at fault', () => {
    expect(verify(headers({ 'x-hub-signature-256': 'sha1=abc' }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The x-hub-signature-256 header is not of the form sha256=<64 hex digits>.',
    });
    expect(verify(headers({ 'x-github-delivery': undefined }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The delivery has no x-github-delivery id.',
    });
    expect(verify(headers({ 'x-github-event': undefined }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The delivery has no x-github-event header.',
    });
    const notJson = '{"action":';
    expect(verify(headers({}, now, notJson), new MemoryDeliveryLog(), notJson)).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: expect.stringMatching(/^The body is not valid JSON: /),
    });
  });

  it('rejects a signed body that is JSON but not an object, saying what it is, and does not record it', () => {
    const kinds: [string, string][] = [
      ['null', 'null'],
      ['[{"action":"created"}]', 'an array'],
      ['42', 'a number'],
      ['"created"', 'a string'],
      ['true', 'a boolean'],
    ];
    for (const [text, kind] of kinds) {
      const seen = new MemoryDeliveryLog();
      expect(verify(headers({}, now, text), seen, text)).toEqual({
        ok: false,
        reason: 'malformed',
        message: `The body is JSON but not an object (it is ${kind}): an event's payload is a JSON object.`,
      });
      expect(seen.has('d-1')).toBe(false);
    }
  });

  it('does not record a rejected delivery, so its valid redelivery is accepted', () => {
    const seen = new MemoryDeliveryLog();
    expect(verify(headers({}, now - 400_000), seen).ok).toBe(false);
    expect(seen.has('d-1')).toBe(false);
    expect(verify(headers(), seen).ok).toBe(true);
  });
});
