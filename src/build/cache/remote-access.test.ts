import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519Signatures, hmacSignatures } from './entry-signature.ts';
import { branchMayWrite, planRemoteAccess } from './remote-access.ts';

const location = 's3://team-cache/slipway/';
const hmac = { signatures: hmacSignatures('k'.repeat(40)), secrets: [] };

describe('branchMayWrite', () => {
  it('lets the listed branches write, all or none with a boolean, and never a detached HEAD by name', () => {
    expect(branchMayWrite('main', 'main')).toBe(true);
    expect(branchMayWrite('main', 'feature/x')).toBe(false);
    expect(branchMayWrite('main', undefined)).toBe(false);
    expect(branchMayWrite(['main', 'release'], 'release')).toBe(true);
    expect(branchMayWrite(['main', 'release'], 'mainline')).toBe(false);
    expect(branchMayWrite(true, undefined)).toBe(true);
    expect(branchMayWrite(false, 'main')).toBe(false);
  });
});

describe('planRemoteAccess', () => {
  it('does not use a remote whose entries it cannot verify, and says how to give it a key', () => {
    const access = planRemoteAccess({ location, keys: { problem: 'no key was given', secrets: [] }, write: 'main', branch: 'main' });
    expect(access).toEqual({
      use: false,
      warning:
        'Remote cache s3://team-cache/slipway/ is not used: its entries must be signed, and no key was given. Set SLIPWAY_CACHE_KEY ' +
        "(a secret of at least 32 characters, e.g. from `openssl rand -hex 32`, kept in your CI's secrets) or cache.remote.keyFile; " +
        'with cache.remote.publicKey, runs without the private key read only.',
    });
  });

  it('reads and uploads on a trusted branch with a key that signs', () => {
    expect(planRemoteAccess({ location, keys: hmac, write: 'main', branch: 'main' })).toEqual({
      use: true,
      signatures: hmac.signatures,
      upload: true,
      readOnlyBecause: undefined,
      warning: undefined,
    });
  });

  it('only reads, without a warning, on a branch that may not write or a detached HEAD', () => {
    expect(planRemoteAccess({ location, keys: hmac, write: 'main', branch: 'feature/x' })).toMatchObject({
      use: true,
      upload: false,
      readOnlyBecause: 'branch feature/x is not in cache.remote.write',
      warning: undefined,
    });
    expect(planRemoteAccess({ location, keys: hmac, write: ['main'], branch: undefined })).toMatchObject({
      upload: false,
      readOnlyBecause: 'a detached HEAD is not in cache.remote.write',
      warning: undefined,
    });
  });

  it('only reads with a public key alone: quietly on a pull request, with a warning where it should have written', () => {
    const reader = { signatures: ed25519Signatures(generateKeyPairSync('ed25519').publicKey), secrets: [] };
    expect(planRemoteAccess({ location, keys: reader, write: 'main', branch: undefined })).toMatchObject({
      upload: false,
      warning: undefined,
    });
    expect(planRemoteAccess({ location, keys: reader, write: 'main', branch: 'main' })).toMatchObject({
      use: true,
      upload: false,
      readOnlyBecause: 'no key to sign uploads with',
      warning:
        'Remote cache s3://team-cache/slipway/ only reads in this run: no private key to sign uploads with (set SLIPWAY_CACHE_KEY to the Ed25519 private key of cache.remote.publicKey).',
    });
    const wrongPrivateKey = { ...reader, problem: 'the private key in SLIPWAY_CACHE_KEY does not match cache.remote.publicKey' };
    expect(planRemoteAccess({ location, keys: wrongPrivateKey, write: 'main', branch: 'feature' })).toMatchObject({
      upload: false,
      warning:
        'Remote cache s3://team-cache/slipway/ only reads in this run: the private key in SLIPWAY_CACHE_KEY does not match cache.remote.publicKey.',
    });
  });

  it('lets a shard run on a branch that may not write share only its own namespace, which no other run reads', () => {
    expect(planRemoteAccess({ location, keys: hmac, write: 'main', branch: undefined, shardRun: '8123456789' })).toEqual({
      use: true,
      signatures: hmac.signatures,
      upload: true,
      scope: 'shard-runs/8123456789/',
      warning: undefined,
    });
    // On a trusted branch a shard run is any run: the shared namespace, uploads as the branch may.
    const trusted = planRemoteAccess({ location, keys: hmac, write: 'main', branch: 'main', shardRun: '8123456789' });
    expect(trusted).toMatchObject({ use: true, upload: true });
    expect(trusted).not.toHaveProperty('scope');
    // Without a key that signs it has nothing to share with: it reads only, where it always did.
    const reader = { signatures: ed25519Signatures(generateKeyPairSync('ed25519').publicKey), secrets: [] };
    const readOnly = planRemoteAccess({ location, keys: reader, write: 'main', branch: undefined, shardRun: '1' });
    expect(readOnly).toMatchObject({ use: true, upload: false });
    expect(readOnly).not.toHaveProperty('scope');
    for (const name of ['../main', 'a/b', '..', ''])
      expect(planRemoteAccess({ location, keys: hmac, write: 'main', branch: undefined, shardRun: name })).toMatchObject({
        use: false,
        warning: expect.stringContaining('is not a plain name'),
      });
  });
});
