import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../../shared/feedback/failure.ts';
import { isRunning } from '../../shared/process.ts';
import type { LeaseHolder, LeasePurpose, LeaseRecord, PromotionStore } from './store.ts';

/** The right to deploy to one environment; only one release holds it at a time, across processes. */
export interface DeployLease {
  readonly environment: string;
  readonly releaseTag: string;
  /** Frees the environment; calling it again does nothing. */
  release(): void;
}

export interface AcquireOptions {
  /** How long to wait for the holder to finish before failing (default 15 minutes). */
  waitMs?: number;
  /** How often to look again while waiting (default 500 ms). */
  pollMs?: number;
  /** How long the lease outlives its holder's last heartbeat (default 30 s); heartbeats come every third of it. */
  ttlMs?: number;
  /** 'rollback': an older release goes back in on purpose, so no newer one supersedes it (default 'promotion'). */
  purpose?: LeasePurpose;
}

/**
 * Waits until the release holds the environment's deploy lease, or until a newer release is queued
 * for or runs in the environment (then resolves `{ superseded: <its tag> }`). The release must be
 * recorded in the store. A lease whose holder died frees itself: at once on the same host (its pid
 * is gone), after `ttlMs` without heartbeat from elsewhere.
 */
export async function acquireDeployLease(
  store: PromotionStore,
  environment: string,
  releaseTag: string,
  options: AcquireOptions = {},
): Promise<DeployLease | { superseded: string }> {
  const { waitMs = 15 * 60_000, pollMs = 500, ttlMs = 30_000, purpose = 'promotion' } = options;
  const deadline = Date.now() + waitMs;
  const holder: LeaseHolder = { pid: process.pid, host: hostname() };
  for (;;) {
    const claim = store.claimLease(environment, releaseTag, holder, ttlMs, isHolderAlive, purpose);
    if (claim.kind === 'held') return heldLease(store, environment, releaseTag, claim.token, ttlMs);
    if (claim.kind === 'superseded') return { superseded: claim.by };
    const left = deadline - Date.now();
    if (left <= 0) throw busyFailure(environment, releaseTag, claim.lease, waitMs, ttlMs);
    await delay(Math.min(pollMs, left));
  }
}

function heldLease(store: PromotionStore, environment: string, releaseTag: string, token: string, ttlMs: number): DeployLease {
  const heartbeat = setInterval(() => {
    try {
      if (!store.renewLease(environment, token, ttlMs)) clearInterval(heartbeat);
    } catch {
      // The database was busy past its timeout: the next beat tries again well before expiry.
    }
  }, ttlMs / 3);
  heartbeat.unref();
  return {
    environment,
    releaseTag,
    release() {
      clearInterval(heartbeat);
      store.dropLease(environment, token);
    },
  };
}

/** On this host a holder lives while its pid does; elsewhere only its heartbeat can tell. */
function isHolderAlive(holder: LeaseHolder): boolean {
  return holder.host !== hostname() || isRunning({ pid: holder.pid });
}

function busyFailure(environment: string, releaseTag: string, lease: LeaseRecord, waitMs: number, ttlMs: number): Failure {
  return new Failure(`${environment} is busy: ${lease.release} has been deploying there since ${lease.acquiredAt}`, {
    details: [
      `its deploy lease is held by process ${lease.pid} on ${lease.host}`,
      `${releaseTag} waited ${Math.round(waitMs / 1000)} s for it`,
    ],
    hint: `run again once that deploy ends; a lease whose process stopped frees itself (at once on the same host, after ${Math.round(ttlMs / 1000)} s elsewhere)`,
  });
}
