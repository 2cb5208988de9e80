import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDelivery, verifyDelivery } from './signature.ts';

const secret = 'hook-secret';
const body = JSON.stringify({ action: 'created', release: { tag_name: 'v1.5.0' } });

async function headers(overrides: Record<string, string | undefined> = {}, signedBody = body, key = secret) {
  return { ...(await signDelivery(key, signedBody)), 'x-github-event': 'release', 'x-github-delivery': 'd-1', ...overrides };
}

function verify(given: Record<string, string | undefined>, sentBody = body, secrets: [string, ...string[]] = [secret]) {
  return verifyDelivery({ secrets, headers: given, body: sentBody });
}

describe('signDelivery', () => {
  it('signs the raw body alone with HMAC-SHA256, exactly as GitHub does', async () => {
    // GitHub's documented test vector: secret "It's a Secret to Everybody", payload "Hello, World!".
    expect(await signDelivery("It's a Secret to Everybody", 'Hello, World!')).toEqual({
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
  });
});

describe('verifyDelivery', () => {
  it('accepts a delivery signed as GitHub signs it (body only, no timestamp) and returns its payload', async () => {
    const github = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(await verify({ 'x-hub-signature-256': github, 'x-github-event': 'release', 'x-github-delivery': 'd-1' })).toEqual({
      ok: true,
      deliveryId: 'd-1',
      payload: { action: 'created', release: { tag_name: 'v1.5.0' } },
    });
  });

  it('finds the headers whatever their case', async () => {
    const given = Object.fromEntries(Object.entries(await headers()).map(([name, value]) => [name.toUpperCase(), value]));
    expect((await verify(given)).ok).toBe(true);
  });

  it('accepts the previous secret during a rotation, and only the secrets it is given', async () => {
    const signedWithOld = await headers({}, body, 'old-secret');
    expect((await verify(signedWithOld, body, [secret, 'old-secret'])).ok).toBe(true);
    expect(await verify(signedWithOld, body, [secret])).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('rejects an unsigned delivery', async () => {
    expect(await verify(await headers({ 'x-hub-signature-256': undefined }))).toEqual({
      ok: false,
      reason: 'unsigned',
      message: 'The delivery is not signed: the X-Hub-Signature-256 header is missing.',
    });
  });

  it('rejects a body altered after signing, and a signature made with another secret', async () => {
    const forged = {
      ok: false,
      reason: 'forged',
      message: 'The signature does not match the body: the delivery was altered or signed with another secret.',
    };
    expect(await verify(await headers(), body.replace('v1.5.0', 'v6.6.6'))).toEqual(forged);
    expect(await verify(await headers({}, body, 'other-secret'))).toEqual(forged);
  });

  it('rejects a delivery signed with a timestamp scheme (<timestamp>.<body>), which GitHub never sends', async () => {
    const timestamp = String(Date.now());
    const timestamped = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    expect(
      await verify({
        'x-hub-signature-256': timestamped,
        'x-slipway-timestamp': timestamp,
        'x-github-event': 'release',
        'x-github-delivery': 'd-1',
      }),
    ).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('rejects malformed deliveries with the field at fault', async () => {
    expect(await verify(await headers({ 'x-hub-signature-256': 'sha1=abc' }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The X-Hub-Signature-256 header is not of the form sha256=<64 hex digits>.',
    });
    expect(await verify(await headers({ 'x-github-delivery': undefined }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The delivery has no X-GitHub-Delivery id.',
    });
    expect(await verify(await headers({ 'x-github-event': undefined }))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'The delivery has no X-GitHub-Event header.',
    });
    const notJson = '{"action":';
    expect(await verify(await headers({}, notJson), notJson)).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: expect.stringMatching(/^The body is not valid JSON: /),
    });
  });

  it('rejects a signed body that is JSON but not an object, saying what it is', async () => {
    const kinds: [string, string][] = [
      ['null', 'null'],
      ['[{"action":"created"}]', 'an array'],
      ['42', 'a number'],
      ['"created"', 'a string'],
      ['true', 'a boolean'],
    ];
    for (const [text, kind] of kinds) {
      expect(await verify(await headers({}, text), text)).toEqual({
        ok: false,
        reason: 'malformed',
        message: `The body is JSON but not an object (it is ${kind}): an event's payload is a JSON object.`,
      });
    }
  });

  it('rejects an empty body as forged rather than throwing', async () => {
    expect(
      await verify({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'x-github-event': 'ping', 'x-github-delivery': 'e' }, ''),
    ).toMatchObject({
      ok: false,
      reason: 'forged',
    });
  });
});
