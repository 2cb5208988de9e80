import type { ForgeDeployment } from '../../release/forge/github/github-feedback.ts';
import type { PromotionStore } from './store.ts';
import type { ReleaseIdentity, Withdrawal } from './types.ts';

/**
 * Fills a runner's empty promotion store from the forge's deployments (newest first), so a job on
 * a fresh runner (`slipway approve` in Actions) knows what earlier jobs verified: a deployment
 * whose newest status is `success` made its release stable there and is what runs there now (the
 * newest one per environment); `inactive` (a newer one replaced it) was stable; `failure` and
 * `error` failed, or was rolled back when its payload says why (the release is withdrawn here too).
 * A deployment Slipway did not make (no release identity in its payload) is passed over.
 */
export function adoptForgeHistory(store: PromotionStore, deployments: ForgeDeployment[]): number {
  const live = new Set<string>();
  let adopted = 0;
  for (const deployment of deployments) {
    const release = identityOf(deployment.payload);
    const status =
      deployment.state === 'success' || deployment.state === 'inactive'
        ? 'stable'
        : deployment.state === 'failure' || deployment.state === 'error'
          ? 'failed'
          : undefined;
    if (!release || !status) continue;
    const isLive = deployment.state === 'success' && !live.has(deployment.environment);
    if (isLive) live.add(deployment.environment);
    const withdrawal = deployment.state === 'error' ? withdrawalOf(deployment.payload.withdrawal, release.tag) : undefined;
    store.adopt({
      environment: deployment.environment,
      release,
      status: withdrawal ? 'rolled-back' : status,
      at: deployment.at,
      live: isLive,
      withdrawal,
    });
    adopted += 1;
  }
  return adopted;
}

function identityOf(payload: Record<string, unknown>): ReleaseIdentity | undefined {
  const { tag, version, commit, createdAt, digests } = payload;
  const validDigests =
    typeof digests === 'object' &&
    digests !== null &&
    Object.values(digests).every((digest) => typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest));
  if (typeof tag !== 'string' || typeof version !== 'string' || typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit))
    return undefined;
  if (typeof createdAt !== 'string' || !validDigests) return undefined;
  return { tag, version, commit, createdAt, digests: digests as Record<string, string> };
}

/** A rollback's record as the deployment's payload carries it; anything else is passed over. */
function withdrawalOf(value: unknown, tag: string): Withdrawal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { release, environment, replacedBy, by, reason, at } = value as Record<string, unknown>;
  const fields = [environment, replacedBy, by, reason, at];
  if (release !== tag || !fields.every((field) => typeof field === 'string')) return undefined;
  return { release, environment, replacedBy, by, reason, at } as Withdrawal;
}
