import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../shared/hash.ts';
import { ed25519Signatures, hmacSignatures, type EntrySignatures } from './entry-signature.ts';

const name = 'slipway/outputs/build-abc.entry';
const digest = sha256('the entry bytes');

/** What every scheme must refuse, given a signature it made for `name` and `digest`. */
function expectBoundToNameAndDigest(signatures: EntrySignatures, signature: string): void {
  expect(signatures.verify(name, digest, signature)).toBe(true);
  expect(signatures.verify('slipway/outputs/build-other.entry', digest, signature)).toBe(false); // moved to another key
  expect(signatures.verify('slipway/tests/build-abc.entry', digest, signature)).toBe(false); // moved to another cache
  expect(signatures.verify(name, sha256('other bytes'), signature)).toBe(false); // content replaced
  expect(signatures.verify(name, digest, undefined)).toBe(false);
  expect(signatures.verify(name, digest, '')).toBe(false);
  expect(signatures.verify(name, digest, signature.slice(0, -4))).toBe(false);
}

describe('entry signatures', () => {
  it('HMAC-SHA256 binds the object name and the digest, and fails with another key', () => {
    const signatures = hmacSignatures('k'.repeat(40));
    const signature = signatures.sign!(name, digest);
    expect(signature).toMatch(/^hmac-sha256:[A-Za-z0-9+/]{43}=$/);
    expect(signatures.sign!(name, digest)).toBe(signature); // deterministic: an identical upload is recognised
    expectBoundToNameAndDigest(signatures, signature);
    expect(hmacSignatures('x'.repeat(40)).verify(name, digest, signature)).toBe(false);
    expect(signatures.verify(name, digest, signature.replace('hmac-sha256:', 'ed25519:'))).toBe(false);
  });

  it('Ed25519 signs with the private key, verifies with the public one, and a reader alone cannot sign', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const writer = ed25519Signatures(publicKey, privateKey);
    const reader = ed25519Signatures(publicKey);
    expect(reader.sign).toBeUndefined();
    const signature = writer.sign!(name, digest);
    expect(signature).toMatch(/^ed25519:[A-Za-z0-9+/]{86}==$/);
    expect(writer.sign!(name, digest)).toBe(signature);
    expectBoundToNameAndDigest(reader, signature);
    const stranger = generateKeyPairSync('ed25519');
    expect(ed25519Signatures(stranger.publicKey).verify(name, digest, signature)).toBe(false);
    expect(reader.verify(name, digest, ed25519Signatures(stranger.publicKey, stranger.privateKey).sign!(name, digest))).toBe(false);
    expect(reader.verify(name, digest, hmacSignatures('k'.repeat(40)).sign!(name, digest))).toBe(false);
  });
});
