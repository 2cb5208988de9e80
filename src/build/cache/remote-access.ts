import type { EntrySignatures } from './entry-signature.ts';
import { cacheKeyVariable, minimumHmacKeyLength, type SigningKeys } from './signing-keys.ts';

/** `cache.remote.write`: the branches whose runs upload, or all (true) or none (false). */
export type WritePolicy = boolean | string | string[];

/**
 * What this run may do with the remote cache:
 * - not use it, when entries cannot be verified (no key): reading unsigned entries is the hole
 *   signing closes, and uploading unsigned ones would give other runs nothing they could trust;
 * - read, verifying every entry;
 * - read and upload, when the branch is trusted to write and the run holds a key that signs.
 */
export type RemoteAccess =
  | { use: false; warning: string }
  | {
      use: true;
      signatures: EntrySignatures;
      upload: boolean;
      readOnlyBecause?: string;
      warning?: string;
      /** Where under the remote's prefix this run reads and writes, when not at its top (a shard run's own namespace). */
      scope?: string;
    };

export function branchMayWrite(policy: WritePolicy, branch: string | undefined): boolean {
  if (typeof policy === 'boolean') return policy;
  return branch !== undefined && (typeof policy === 'string' ? [policy] : policy).includes(branch);
}

/**
 * `location` names the remote (s3://bucket/prefix); `branch` is undefined on a detached HEAD.
 * `shardRun` names the sharded run (`slipway ci --shard`, `--merge`) this one is part of: its
 * shards must share builds, but a branch that may not write must not write where other runs read.
 * Such a run reads and writes its own namespace, `shard-runs/<run>/`, which no other run reads,
 * signed with whatever key it holds (on GitHub, a key of its own: never the one trusted runs use).
 */
export function planRemoteAccess(opts: {
  location: string;
  keys: SigningKeys;
  write: WritePolicy;
  branch: string | undefined;
  shardRun?: string;
}): RemoteAccess {
  const { location, keys, write, branch, shardRun } = opts;
  if (!keys.signatures) {
    return {
      use: false,
      warning:
        `Remote cache ${location} is not used: its entries must be signed, and ${keys.problem}. ` +
        `Set ${cacheKeyVariable} (a secret of at least ${minimumHmacKeyLength} characters, e.g. from \`openssl rand -hex 32\`, ` +
        `kept in your CI's secrets) or cache.remote.keyFile; with cache.remote.publicKey, runs without the private key read only.`,
    };
  }
  const trusted = branchMayWrite(write, branch);
  const canSign = keys.signatures.sign !== undefined;
  if (!trusted && shardRun !== undefined && canSign) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(shardRun) || /^\.+$/.test(shardRun))
      return {
        use: false,
        warning: `Remote cache ${location} is not used: the shard run's name "${shardRun}" is not a plain name (letters, digits, . _ -)`,
      };
    return {
      use: true,
      signatures: keys.signatures,
      upload: true,
      scope: `shard-runs/${shardRun}/`,
      warning: keys.problem && `Remote cache ${location}: ${keys.problem}.`,
    };
  }
  const readOnlyBecause = !trusted
    ? `${branch === undefined ? 'a detached HEAD' : `branch ${branch}`} is not in cache.remote.write`
    : !canSign
      ? 'no key to sign uploads with'
      : undefined;
  const warning = keys.problem
    ? `Remote cache ${location} only reads in this run: ${keys.problem}.`
    : trusted && !canSign
      ? `Remote cache ${location} only reads in this run: no private key to sign uploads with (set ${cacheKeyVariable} to the Ed25519 private key of cache.remote.publicKey).`
      : undefined;
  return { use: true, signatures: keys.signatures, upload: readOnlyBecause === undefined, readOnlyBecause, warning };
}
