import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ed25519Signatures, hmacSignatures, type EntrySignatures } from './entry-signature.ts';

/** The environment variable holding the key: the HMAC secret, or with a public key the Ed25519 private key. */
export const cacheKeyVariable = 'SLIPWAY_CACHE_KEY';
/** 32 characters: e.g. 16 random bytes in hex; `openssl rand -hex 32` gives 64. */
export const minimumHmacKeyLength = 32;

export interface SigningKeyConfig {
  keyFile?: string;
  publicKey?: string;
}

export interface SigningKeys {
  /** Undefined when entries cannot even be verified: then the remote must not be used at all. */
  signatures?: EntrySignatures;
  /** What is wrong or missing, for a warning; never contains the key. */
  problem?: string;
  /** The key as read, in every form that could reach a message, for redaction. */
  secrets: string[];
}

/**
 * The keys entries are signed and verified with: SLIPWAY_CACHE_KEY, else the file `keyFile`
 * (relative to baseDir). HMAC-SHA256 unless a public key is configured; then the key read is the
 * Ed25519 private key, and without it this run can verify but not sign.
 */
export async function loadSigningKeys(config: SigningKeyConfig, baseDir: string): Promise<SigningKeys> {
  const material = await readKeyMaterial(config, baseDir);
  const secrets = material.value === undefined ? [] : [material.value, ...(material.raw === material.value ? [] : [material.raw!])];
  if (config.publicKey !== undefined) return { ...ed25519Keys(config.publicKey, material), secrets };
  if (material.value === undefined) return { problem: material.problem ?? 'no key was given', secrets };
  if (material.value.length < minimumHmacKeyLength)
    return {
      problem: `the key in ${material.source} is too short (${material.value.length} characters; at least ${minimumHmacKeyLength})`,
      secrets,
    };
  return { signatures: hmacSignatures(material.value), secrets };
}

interface KeyMaterial {
  value?: string;
  raw?: string;
  source?: string;
  problem?: string;
}

async function readKeyMaterial(config: SigningKeyConfig, baseDir: string): Promise<KeyMaterial> {
  const fromEnv = process.env[cacheKeyVariable];
  if (fromEnv?.trim()) return { value: fromEnv.trim(), raw: fromEnv, source: cacheKeyVariable };
  if (config.keyFile === undefined) return {};
  const path = resolve(baseDir, config.keyFile);
  try {
    const raw = await readFile(path, 'utf8');
    if (!raw.trim()) return { problem: `cache.remote.keyFile ${path} is empty` };
    return { value: raw.trim(), raw, source: `cache.remote.keyFile ${path}` };
  } catch (error) {
    return { problem: `cache.remote.keyFile ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

function ed25519Keys(publicPem: string, material: KeyMaterial): Omit<SigningKeys, 'secrets'> {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(publicPem);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
  } catch {
    return { problem: 'cache.remote.publicKey is not an Ed25519 public key in PEM form' };
  }
  if (material.value === undefined) return { signatures: ed25519Signatures(publicKey), problem: material.problem };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material.value);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
  } catch {
    return { signatures: ed25519Signatures(publicKey), problem: `the key in ${material.source} is not an Ed25519 private key in PEM form` };
  }
  const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(privateKey)).equals(spki(publicKey)))
    return {
      signatures: ed25519Signatures(publicKey),
      problem: `the private key in ${material.source} does not match cache.remote.publicKey`,
    };
  return { signatures: ed25519Signatures(publicKey, privateKey) };
}
