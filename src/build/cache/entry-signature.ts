import { createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export type SignatureScheme = 'hmac-sha256' | 'ed25519';

/**
 * Signs and verifies remote cache entries. A signature binds an entry's bytes (their sha256, which
 * the reader computes itself from what it downloaded) to its full object name in the bucket, so
 * an entry can be neither altered nor moved to another key. It is written as `<scheme>:<base64>`.
 */
export interface EntrySignatures {
  readonly scheme: SignatureScheme;
  /** Absent when this run can only verify (Ed25519 with the public key alone). */
  readonly sign?: (objectName: string, sha256: string) => string;
  verify(objectName: string, sha256: string, signature: string | undefined): boolean;
}

/** The bytes signed: versioned, so a later format cannot be confused with this one. */
function signedMessage(objectName: string, sha256: string): Buffer {
  return Buffer.from(`slipway-cache-entry/1\n${objectName}\n${sha256}`);
}

function signatureBytes(scheme: SignatureScheme, signature: string | undefined): Buffer | undefined {
  const prefix = `${scheme}:`;
  return signature?.startsWith(prefix) ? Buffer.from(signature.slice(prefix.length), 'base64') : undefined;
}

/** HMAC-SHA256 with a shared secret: every run that verifies could also sign. */
export function hmacSignatures(secret: string): EntrySignatures {
  const mac = (objectName: string, sha256: string) => createHmac('sha256', secret).update(signedMessage(objectName, sha256)).digest();
  return {
    scheme: 'hmac-sha256',
    sign: (objectName, sha256) => `hmac-sha256:${mac(objectName, sha256).toString('base64')}`,
    verify(objectName, sha256, signature) {
      const given = signatureBytes('hmac-sha256', signature);
      const expected = mac(objectName, sha256);
      return given !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** Ed25519: readers hold the public key only; a run can sign when it was given the private key. */
export function ed25519Signatures(publicKey: KeyObject, privateKey?: KeyObject): EntrySignatures {
  return {
    scheme: 'ed25519',
    sign: privateKey && ((objectName, sha256) => `ed25519:${sign(null, signedMessage(objectName, sha256), privateKey).toString('base64')}`),
    verify(objectName, sha256, signature) {
      const given = signatureBytes('ed25519', signature);
      return given !== undefined && given.length === 64 && verify(null, signedMessage(objectName, sha256), publicKey, given);
    },
  };
}
