import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSigningKeys } from './signing-keys.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-keys-'));
  vi.stubEnv('SLIPWAY_CACHE_KEY', undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(work, { recursive: true, force: true });
});

const hmacKey = randomBytes(32).toString('hex');
const objectName = 'outputs/k.entry';
const digest = 'a'.repeat(64);

function ed25519Pems() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

describe('loadSigningKeys (HMAC)', () => {
  it('takes the key from SLIPWAY_CACHE_KEY, and lists it (trimmed and as given) for redaction', async () => {
    vi.stubEnv('SLIPWAY_CACHE_KEY', `${hmacKey}\n`);
    const keys = await loadSigningKeys({}, work);
    expect(keys.problem).toBeUndefined();
    expect(keys.signatures?.scheme).toBe('hmac-sha256');
    expect(keys.secrets).toEqual([hmacKey, `${hmacKey}\n`]);
    const signature = keys.signatures!.sign!(objectName, digest);
    // The same key from a file (relative to the repository) verifies what the variable signed.
    vi.stubEnv('SLIPWAY_CACHE_KEY', undefined);
    await writeFile(join(work, 'cache.key'), `${hmacKey}\n`);
    const fromFile = await loadSigningKeys({ keyFile: 'cache.key' }, work);
    expect(fromFile.signatures!.verify(objectName, digest, signature)).toBe(true);
  });

  it('prefers the variable over the file', async () => {
    await writeFile(join(work, 'cache.key'), 'f'.repeat(40));
    vi.stubEnv('SLIPWAY_CACHE_KEY', hmacKey);
    const keys = await loadSigningKeys({ keyFile: 'cache.key' }, work);
    expect(keys.secrets).toEqual([hmacKey]);
  });

  it('has no signatures, and says why, with no key, an unreadable or empty file, or a short key', async () => {
    expect(await loadSigningKeys({}, work)).toEqual({ problem: 'no key was given', secrets: [] });
    expect(await loadSigningKeys({ keyFile: 'absent.key' }, work)).toEqual({
      problem: `cache.remote.keyFile ${join(work, 'absent.key')} cannot be read (ENOENT)`,
      secrets: [],
    });
    await writeFile(join(work, 'empty.key'), '\n');
    expect((await loadSigningKeys({ keyFile: 'empty.key' }, work)).problem).toBe(
      `cache.remote.keyFile ${join(work, 'empty.key')} is empty`,
    );
    const short = 'short-key-of-31-characters-xxxx';
    vi.stubEnv('SLIPWAY_CACHE_KEY', short);
    const keys = await loadSigningKeys({}, work);
    expect(keys.signatures).toBeUndefined();
    expect(keys.problem).toBe('the key in SLIPWAY_CACHE_KEY is too short (31 characters; at least 32)');
    expect(keys.secrets).toEqual([short]); // masked all the same
  });
});

describe('loadSigningKeys (Ed25519)', () => {
  it('verifies with the public key alone, and signs when given the matching private key', async () => {
    const { publicPem, privatePem } = ed25519Pems();
    const reader = await loadSigningKeys({ publicKey: publicPem }, work);
    expect(reader).toMatchObject({ problem: undefined, secrets: [] });
    expect(reader.signatures?.sign).toBeUndefined();

    await writeFile(join(work, 'signing.pem'), privatePem);
    const writer = await loadSigningKeys({ publicKey: publicPem, keyFile: join(work, 'signing.pem') }, work);
    expect(writer.problem).toBeUndefined();
    expect(writer.secrets).toEqual([privatePem.trim(), privatePem]);
    expect(reader.signatures!.verify(objectName, digest, writer.signatures!.sign!(objectName, digest))).toBe(true);
  });

  it('reads only, and says why, with a private key that is not Ed25519 or not the pair of the public key', async () => {
    const { publicPem } = ed25519Pems();
    vi.stubEnv('SLIPWAY_CACHE_KEY', ed25519Pems().privatePem);
    const mismatched = await loadSigningKeys({ publicKey: publicPem }, work);
    expect(mismatched.problem).toBe('the private key in SLIPWAY_CACHE_KEY does not match cache.remote.publicKey');
    expect(mismatched.signatures?.sign).toBeUndefined();
    expect(mismatched.signatures?.scheme).toBe('ed25519');

    vi.stubEnv('SLIPWAY_CACHE_KEY', hmacKey);
    const notPem = await loadSigningKeys({ publicKey: publicPem }, work);
    expect(notPem.problem).toBe('the key in SLIPWAY_CACHE_KEY is not an Ed25519 private key in PEM form');
    expect(notPem.signatures?.sign).toBeUndefined();
    expect(notPem.problem).not.toContain(hmacKey);
  });

  it('has no signatures with a public key that is not Ed25519', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(await loadSigningKeys({ publicKey: rsa }, work)).toEqual({
      problem: 'cache.remote.publicKey is not an Ed25519 public key in PEM form',
      secrets: [],
    });
  });
});
