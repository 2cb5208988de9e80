import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../shared/state/sqlite.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { compareReleases, isNewer } from './order.ts';
import type {
  Approval,
  EnvironmentChange,
  EnvironmentHistory,
  EnvironmentState,
  PromotionRecord,
  PromotionStatus,
  PromotionView,
  ReleaseIdentity,
  Withdrawal,
} from './types.ts';

/** Who holds an environment's deploy lease, so others can tell a live holder from a dead one. */
export interface LeaseHolder {
  pid: number;
  host: string;
}

export interface LeaseRecord extends LeaseHolder {
  environment: string;
  release: string;
  token: string;
  acquiredAt: string;
  /** Epoch milliseconds; the holder's heartbeat keeps pushing it forward. */
  expiresAt: number;
}

/** What a rollback is: the release it takes out, the one it puts back, who asked and why. */
export interface Rollback {
  environment: string;
  from: string;
  to: string;
  by: string;
  reason: string;
}

/** Why a lease is claimed: a release promoted (newer wins), or an older one put back by a rollback. */
export type LeasePurpose = 'promotion' | 'rollback';

export type LeaseClaim = { kind: 'held'; token: string } | { kind: 'superseded'; by: string } | { kind: 'busy'; lease: LeaseRecord };

/** Statuses in which a release still wants, or already has, an environment. */
const contending: PromotionStatus[] = ['queued', 'awaiting-approval', 'deploying', 'live'];
const waiting: PromotionStatus[] = ['queued', 'awaiting-approval'];

/**
 * Promotion state in SQLite, beside the run store and shared by several processes the same way:
 * WAL, synchronous FULL, and every transition one durable transaction. Transitions that decide
 * between releases (entering, claiming the lease) take the write lock first (BEGIN IMMEDIATE), so
 * two processes never decide on the same stale read.
 */
export class PromotionStore {
  private readonly db: Database.Database;

  /**
   * Told of every change of a release's state in an environment, as it is made (inside the
   * store's transaction: it must only take note). What mirrors environments elsewhere (GitHub's
   * deployments) listens here, so no stage reports on its own.
   */
  onChange?: (change: EnvironmentChange) => void;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS releases (
        tag TEXT PRIMARY KEY, version TEXT NOT NULL, commit_sha TEXT NOT NULL, created_at TEXT NOT NULL,
        digests TEXT NOT NULL, recorded_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS promotions (
        environment TEXT NOT NULL, release TEXT NOT NULL REFERENCES releases(tag), status TEXT NOT NULL,
        digests TEXT NOT NULL, detail TEXT, superseded_by TEXT, queued_at TEXT NOT NULL, started_at TEXT,
        live_at TEXT, finished_at TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (environment, release));
      CREATE TABLE IF NOT EXISTS approvals (
        environment TEXT NOT NULL, release TEXT NOT NULL, by_user TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (environment, release));
      CREATE TABLE IF NOT EXISTS live (
        environment TEXT PRIMARY KEY, release TEXT NOT NULL, previous TEXT, since TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS leases (
        environment TEXT PRIMARY KEY, release TEXT NOT NULL, token TEXT NOT NULL, pid INTEGER NOT NULL,
        host TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS withdrawals (
        release TEXT PRIMARY KEY REFERENCES releases(tag), environment TEXT NOT NULL, replaced_by TEXT NOT NULL,
        by_user TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS stable_history (
        environment TEXT NOT NULL, release TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (environment, release));
      -- A store from before stable_history: what is stable now was stable once.
      INSERT OR IGNORE INTO stable_history (environment, release, at)
        SELECT environment, release, COALESCE(finished_at, updated_at) FROM promotions WHERE status = 'stable';
    `);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records a release before it enters any environment. A tag names one artifact for good: the
   * same tag with other image digests is refused, so promotion can only move what was verified.
   */
  recordRelease(release: ReleaseIdentity): void {
    this.immediate(() => {
      const known = this.release(release.tag);
      if (!known) {
        this.db
          .prepare('INSERT INTO releases (tag, version, commit_sha, created_at, digests, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(release.tag, release.version, release.commit, release.createdAt, JSON.stringify(release.digests), now());
        return;
      }
      const changed = differences(known, release);
      if (changed.length > 0) {
        throw new Failure(`${release.tag} is not the release that was verified`, {
          details: changed,
          hint: `promotion deploys exactly the verified images; cut a new release instead of reusing ${release.tag}`,
        });
      }
    });
  }

  release(tag: string): ReleaseIdentity | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE tag = ?').get(tag) as ReleaseRow | undefined;
    return row && toRelease(row);
  }

  /** The newest releases first. */
  releases(limit = 10): ReleaseIdentity[] {
    return (this.db.prepare('SELECT * FROM releases').all() as ReleaseRow[])
      .map(toRelease)
      .sort((a, b) => compareReleases(b, a))
      .slice(0, limit);
  }

  record(environment: string, release: string): PromotionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM promotions WHERE environment = ? AND release = ?').get(environment, release) as
      PromotionRow | undefined;
    return row && toRecord(row);
  }

  /** The release running in an environment now. */
  live(environment: string): ReleaseIdentity | undefined {
    const row = this.db.prepare('SELECT release FROM live WHERE environment = ?').get(environment) as { release: string } | undefined;
    return row && this.release(row.release);
  }

  approval(environment: string, release: string): Approval | undefined {
    const row = this.db.prepare('SELECT * FROM approvals WHERE environment = ? AND release = ?').get(environment, release) as
      ApprovalRow | undefined;
    return row && { environment: row.environment, release: row.release, by: row.by_user, at: row.at };
  }

  /** Keeps the first approval of a release for an environment; approving again changes nothing. */
  addApproval(approval: Approval): { approval: Approval; alreadyApproved: boolean } {
    return this.immediate(() => {
      const info = this.db
        .prepare('INSERT OR IGNORE INTO approvals (environment, release, by_user, at) VALUES (?, ?, ?, ?)')
        .run(approval.environment, approval.release, approval.by, approval.at);
      return { approval: this.approval(approval.environment, approval.release)!, alreadyApproved: info.changes === 0 };
    });
  }

  /** Why a release may never be promoted again, once rolled back. */
  withdrawal(tag: string): Withdrawal | undefined {
    const row = this.db.prepare('SELECT * FROM withdrawals WHERE release = ?').get(tag) as WithdrawalRow | undefined;
    return row && toWithdrawal(row);
  }

  /** One consistent snapshot of an environment's releases, present and past: a rollback's input. */
  history(environment: string, requested?: string): EnvironmentHistory {
    return this.db.transaction((): EnvironmentHistory => {
      const newestFirst = (a: { tag: string }, b: { tag: string }) => compareReleases(this.release(b.tag)!, this.release(a.tag)!);
      const stableTags = this.db.prepare('SELECT release FROM stable_history WHERE environment = ?').all(environment) as {
        release: string;
      }[];
      const records = (this.db.prepare('SELECT * FROM promotions WHERE environment = ?').all(environment) as PromotionRow[]).map(toRecord);
      const withdrawals = (this.db.prepare('SELECT * FROM withdrawals').all() as WithdrawalRow[]).map(toWithdrawal);
      return {
        environment,
        live: this.live(environment),
        stable: stableTags.map((row) => this.release(row.release)!).sort(newestFirst),
        records: records.sort((a, b) => newestFirst({ tag: a.release }, { tag: b.release })),
        withdrawals: Object.fromEntries(withdrawals.map((withdrawal) => [withdrawal.release, withdrawal])),
        requested: requested === undefined ? undefined : this.release(requested),
      };
    })();
  }

  /** One consistent snapshot of a release in the given environments: the planner's input. */
  view(tag: string, environments: string[]): PromotionView | undefined {
    return this.db.transaction(() => {
      const release = this.release(tag);
      if (!release) return undefined;
      const states: Record<string, EnvironmentState> = {};
      for (const environment of environments) {
        states[environment] = {
          record: this.record(environment, tag),
          live: this.live(environment),
          newestOther: this.newestOther(environment, tag),
          approval: this.approval(environment, tag),
        };
      }
      return { release, environments: states, withdrawal: this.withdrawal(tag) };
    })();
  }

  /**
   * Parks a release at a manual gate. Returns its record: superseded instead when a newer release
   * already wants the environment. Older releases waiting there are superseded by this one.
   */
  markAwaitingApproval(environment: string, release: string): PromotionRecord {
    return this.immediate(() => this.enter(environment, release, 'awaiting-approval'));
  }

  /** Starts a deploy; the caller must hold the environment's deploy lease. */
  markDeploying(environment: string, release: string): PromotionRecord {
    return this.immediate(() => {
      const lease = this.lease(environment);
      if (lease?.release !== release) {
        throw new Error(
          `${release} cannot start deploying to ${environment}: ${lease ? `${lease.release} holds` : 'nobody holds'} its deploy lease`,
        );
      }
      return this.move(environment, release, 'deploying', ['queued', 'deploying', 'live'], {
        started_at: now(),
        live_at: null,
        detail: null,
      });
    });
  }

  /** The release now runs in the environment (rolled out, smoke-tested), at `url`; stability comes next. */
  markLive(environment: string, release: string, url?: string): PromotionRecord {
    return this.immediate(() => this.goLive(environment, release, url));
  }

  markStable(environment: string, release: string): PromotionRecord {
    return this.immediate(() => {
      const at = now();
      this.db.prepare('INSERT OR IGNORE INTO stable_history (environment, release, at) VALUES (?, ?, ?)').run(environment, release, at);
      return this.move(environment, release, 'stable', ['live'], { finished_at: at });
    });
  }

  /**
   * A rollback begins: `to`, an older release that was stable here, deploys again though a newer
   * one runs (on purpose, past "newer release wins"). The caller holds the lease for `to`
   * (acquireDeployLease with purpose 'rollback'); what runs must still be `from`.
   */
  startRollback(rollback: Rollback): PromotionRecord {
    const { environment, from, to } = rollback;
    return this.immediate(() => {
      const lease = this.lease(environment);
      if (lease?.release !== to) {
        throw new Error(
          `${to} cannot start deploying to ${environment}: ${lease ? `${lease.release} holds` : 'nobody holds'} its deploy lease`,
        );
      }
      const live = this.live(environment)?.tag;
      if (live !== from) {
        throw new Failure(`${environment} now runs ${live ?? 'no release'}, not ${from}: nothing was rolled back`, {
          hint: `another deploy changed ${environment} while the rollback waited; see what runs there (slipway env status ${environment}) and roll back again if needed`,
        });
      }
      return this.move(environment, to, 'deploying', ['stable', 'failed', 'superseded'], {
        started_at: now(),
        live_at: null,
        finished_at: null,
        detail: rollbackDetail(rollback),
      });
    });
  }

  /**
   * The rollback's release serves: it is what runs now, and `from` is marked rolled back and
   * withdrawn, so no gate promotes it again anywhere. `to` is judged stable (markStable) next.
   */
  markRollbackLive(rollback: Rollback, url?: string): PromotionRecord {
    const { environment, from, to, by, reason } = rollback;
    return this.immediate(() => {
      const record = this.goLive(environment, to, url);
      const at = now();
      this.db
        .prepare('INSERT OR IGNORE INTO withdrawals (release, environment, replaced_by, by_user, reason, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(from, environment, to, by, reason, at);
      this.move(environment, from, 'rolled-back', ['stable', 'live', 'failed'], {
        finished_at: at,
        detail: `rolled back by ${by}: ${reason}`,
      });
      return record;
    });
  }

  /** The deploy, smoke test or stability check failed; what runs there is unchanged by this. */
  markFailed(environment: string, release: string, detail: string): PromotionRecord {
    return this.immediate(() => this.move(environment, release, 'failed', ['deploying', 'live'], { finished_at: now(), detail }));
  }

  /** The environment went back to what ran before this release. */
  markRolledBack(environment: string, release: string, detail: string): PromotionRecord {
    return this.immediate(() => {
      const record = this.move(environment, release, 'rolled-back', ['deploying', 'live', 'failed'], { finished_at: now(), detail });
      const current = this.db.prepare('SELECT previous FROM live WHERE environment = ? AND release = ?').get(environment, release) as
        { previous: string | null } | undefined;
      if (current?.previous) {
        this.db
          .prepare('UPDATE live SET release = ?, previous = NULL, since = ? WHERE environment = ?')
          .run(current.previous, now(), environment);
      } else if (current) {
        this.db.prepare('DELETE FROM live WHERE environment = ?').run(environment);
      }
      return record;
    });
  }

  /**
   * What another runner did, as the forge tells it (a GitHub deployment's latest status): a
   * release that became stable, or failed, in an environment, and whether it is what runs there
   * now. A runner starts with an empty store; what it knows itself always wins, so this only
   * fills in what is missing. Unknown releases are recorded by their identity first; a release
   * rolled back elsewhere is withdrawn here too.
   */
  adopt(history: {
    environment: string;
    release: ReleaseIdentity;
    status: 'stable' | 'failed' | 'rolled-back';
    at: string;
    live: boolean;
    withdrawal?: Withdrawal;
  }): void {
    this.immediate(() => {
      const { environment, release, status, at } = history;
      if (!this.release(release.tag)) {
        this.db
          .prepare('INSERT INTO releases (tag, version, commit_sha, created_at, digests, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(release.tag, release.version, release.commit, release.createdAt, JSON.stringify(release.digests), now());
      }
      if (!this.record(environment, release.tag)) {
        this.db
          .prepare(
            `INSERT INTO promotions (environment, release, status, digests, queued_at, started_at, live_at, finished_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(environment, release.tag, status, JSON.stringify(release.digests), at, at, status === 'stable' ? at : null, at, at);
      }
      const { withdrawal } = history;
      if (withdrawal) {
        this.db
          .prepare('INSERT OR IGNORE INTO withdrawals (release, environment, replaced_by, by_user, reason, at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(release.tag, withdrawal.environment, withdrawal.replacedBy, withdrawal.by, withdrawal.reason, withdrawal.at);
      }
      if (status === 'stable') {
        this.db
          .prepare('INSERT OR IGNORE INTO stable_history (environment, release, at) VALUES (?, ?, ?)')
          .run(environment, release.tag, at);
      }
      if (history.live && !this.db.prepare('SELECT 1 FROM live WHERE environment = ?').get(environment)) {
        this.db
          .prepare('INSERT INTO live (environment, release, previous, since) VALUES (?, ?, NULL, ?)')
          .run(environment, release.tag, at);
      }
    });
  }

  lease(environment: string): LeaseRecord | undefined {
    const row = this.db.prepare('SELECT * FROM leases WHERE environment = ?').get(environment) as LeaseRow | undefined;
    return row && toLease(row);
  }

  /**
   * One attempt to take an environment's deploy lease for a release: queues the release there,
   * frees a lease whose holder is dead or silent (its interrupted deploy is marked failed), and
   * then takes the lease, reports the newer release that supersedes this one, or who is busy.
   * A rollback's release (purpose 'rollback') is older than what runs on purpose: it is neither
   * queued nor superseded, only given the lease once free (startRollback records it).
   */
  claimLease(
    environment: string,
    release: string,
    holder: LeaseHolder,
    ttlMs: number,
    isAlive: (holder: LeaseHolder) => boolean,
    purpose: LeasePurpose = 'promotion',
  ): LeaseClaim {
    return this.immediate((): LeaseClaim => {
      this.reapLease(environment, isAlive);
      if (purpose === 'rollback') {
        if (!this.release(release)) throw new Error(`release ${release} is not recorded: call recordRelease first`);
      } else {
        const record = this.enter(environment, release, 'queued');
        if (record.status === 'superseded') return { kind: 'superseded', by: record.supersededBy! };
      }
      const lease = this.lease(environment);
      if (lease) return { kind: 'busy', lease };
      const token = randomUUID();
      this.db
        .prepare('INSERT INTO leases (environment, release, token, pid, host, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(environment, release, token, holder.pid, holder.host, now(), Date.now() + ttlMs);
      return { kind: 'held', token };
    });
  }

  /** The holder's heartbeat; false when the lease is no longer this holder's. */
  renewLease(environment: string, token: string, ttlMs: number): boolean {
    return (
      this.db.prepare('UPDATE leases SET expires_at = ? WHERE environment = ? AND token = ?').run(Date.now() + ttlMs, environment, token)
        .changes === 1
    );
  }

  dropLease(environment: string, token: string): void {
    this.db.prepare('DELETE FROM leases WHERE environment = ? AND token = ?').run(environment, token);
  }

  private reapLease(environment: string, isAlive: (holder: LeaseHolder) => boolean): void {
    const lease = this.lease(environment);
    if (!lease) return;
    const expired = lease.expiresAt <= Date.now();
    if (!expired && isAlive(lease)) return;
    this.db.prepare('DELETE FROM leases WHERE environment = ?').run(environment);
    if (this.record(environment, lease.release)?.status === 'deploying') {
      const cause = expired
        ? `its deploy lease expired without a heartbeat from process ${lease.pid} on ${lease.host}`
        : `its deploy process ${lease.pid} on ${lease.host} ended`;
      this.move(environment, lease.release, 'failed', ['deploying'], { finished_at: now(), detail: `deploy interrupted: ${cause}` });
    }
  }

  /**
   * A release asks for an environment (queued, or waiting at its gate). A newer release that
   * already wants or runs it supersedes this one; this one supersedes older ones still waiting.
   */
  private enter(environment: string, tag: string, status: 'queued' | 'awaiting-approval'): PromotionRecord {
    const release = this.release(tag);
    if (!release) throw new Error(`release ${tag} is not recorded: call recordRelease first`);
    const current = this.record(environment, tag);
    if (current?.status === 'superseded') return current;
    const newer = this.newestOther(environment, tag);
    if (newer && isNewer(newer, release)) {
      this.upsert(environment, release, 'superseded');
      this.db
        .prepare('UPDATE promotions SET superseded_by = ?, finished_at = ? WHERE environment = ? AND release = ?')
        .run(newer.tag, now(), environment, tag);
      return this.record(environment, tag)!;
    }
    const unchanged: PromotionStatus[] = status === 'queued' ? ['queued', 'deploying', 'live'] : contending;
    if (!current || !unchanged.includes(current.status)) this.upsert(environment, release, status);
    for (const other of this.recordsIn(environment, waiting)) {
      const otherRelease = this.release(other.release)!;
      if (other.release !== tag && isNewer(release, otherRelease)) {
        this.move(environment, other.release, 'superseded', waiting, { superseded_by: tag, finished_at: now() });
      }
    }
    return this.record(environment, tag)!;
  }

  /** The release now runs in the environment, in place of what ran before (kept as `previous`). */
  private goLive(environment: string, release: string, url?: string): PromotionRecord {
    const at = now();
    const record = this.move(environment, release, 'live', ['deploying'], { live_at: at }, url);
    const current = this.db.prepare('SELECT release FROM live WHERE environment = ?').get(environment) as { release: string } | undefined;
    if (current?.release !== release) {
      this.db
        .prepare(
          `INSERT INTO live (environment, release, previous, since) VALUES (?, ?, ?, ?)
        ON CONFLICT (environment) DO UPDATE SET release = excluded.release, previous = excluded.previous, since = excluded.since`,
        )
        .run(environment, release, current?.release ?? null, at);
    }
    return record;
  }

  /** The newest release other than `tag` that wants or runs the environment. */
  private newestOther(environment: string, tag: string): ReleaseIdentity | undefined {
    const tags = new Set(this.recordsIn(environment, contending).map((record) => record.release));
    const live = this.live(environment);
    if (live) tags.add(live.tag);
    tags.delete(tag);
    return [...tags]
      .map((other) => this.release(other)!)
      .sort(compareReleases)
      .at(-1);
  }

  private recordsIn(environment: string, statuses: PromotionStatus[]): PromotionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM promotions WHERE environment = ? AND status IN (${statuses.map(() => '?').join(', ')})`)
      .all(environment, ...statuses) as PromotionRow[];
    return rows.map(toRecord);
  }

  /** (Re)starts a release's record in an environment with the digests it brings. */
  private upsert(environment: string, release: ReleaseIdentity, status: PromotionStatus): void {
    const at = now();
    this.db
      .prepare(
        `INSERT INTO promotions (environment, release, status, digests, queued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (environment, release) DO UPDATE SET status = excluded.status, digests = excluded.digests, detail = NULL,
        superseded_by = NULL, queued_at = excluded.queued_at, started_at = NULL, live_at = NULL, finished_at = NULL, updated_at = excluded.updated_at`,
      )
      .run(environment, release.tag, status, JSON.stringify(release.digests), at, at);
  }

  /** A transition that must start from one of `from`: anything else is a wiring mistake. */
  private move(
    environment: string,
    release: string,
    to: PromotionStatus,
    from: PromotionStatus[],
    changes: Partial<Record<'detail' | 'superseded_by' | 'started_at' | 'live_at' | 'finished_at', string | null>>,
    url?: string,
  ): PromotionRecord {
    const current = this.record(environment, release);
    if (!current || !from.includes(current.status)) {
      throw new Error(
        `cannot mark ${release} ${to} in ${environment}: it is ${current ? current.status : 'not there'} (expected ${from.join(' or ')})`,
      );
    }
    const columns = Object.keys(changes);
    this.db
      .prepare(
        `UPDATE promotions SET status = ?, updated_at = ?${columns.map((column) => `, ${column} = ?`).join('')} WHERE environment = ? AND release = ?`,
      )
      .run(to, now(), ...Object.values(changes), environment, release);
    const moved = this.record(environment, release)!;
    const withdrawal = to === 'rolled-back' ? this.withdrawal(release) : undefined;
    this.onChange?.({ record: moved, release: this.release(release)!, ...(url ? { url } : {}), ...(withdrawal ? { withdrawal } : {}) });
    return moved;
  }

  private immediate<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }
}

interface ReleaseRow {
  tag: string;
  version: string;
  commit_sha: string;
  created_at: string;
  digests: string;
}
interface PromotionRow {
  environment: string;
  release: string;
  status: PromotionStatus;
  digests: string;
  detail: string | null;
  superseded_by: string | null;
  queued_at: string;
  started_at: string | null;
  live_at: string | null;
  finished_at: string | null;
  updated_at: string;
}
interface WithdrawalRow {
  release: string;
  environment: string;
  replaced_by: string;
  by_user: string;
  reason: string;
  at: string;
}
interface ApprovalRow {
  environment: string;
  release: string;
  by_user: string;
  at: string;
}
interface LeaseRow {
  environment: string;
  release: string;
  token: string;
  pid: number;
  host: string;
  acquired_at: string;
  expires_at: number;
}

function now(): string {
  return new Date().toISOString();
}

/** What a rollback's release shows while it goes back in (GitHub shows it on its deployment). */
function rollbackDetail({ from, by, reason }: Rollback): string {
  return `rollback from ${from} by ${by}: ${reason}`;
}

function toWithdrawal(row: WithdrawalRow): Withdrawal {
  return {
    release: row.release,
    environment: row.environment,
    replacedBy: row.replaced_by,
    by: row.by_user,
    reason: row.reason,
    at: row.at,
  };
}

function differences(known: ReleaseIdentity, given: ReleaseIdentity): string[] {
  const changed: string[] = [];
  if (known.commit !== given.commit) changed.push(`commit: verified ${known.commit}, given ${given.commit}`);
  if (known.version !== given.version) changed.push(`version: verified ${known.version}, given ${given.version}`);
  for (const service of new Set([...Object.keys(known.digests), ...Object.keys(given.digests)])) {
    if (known.digests[service] !== given.digests[service]) {
      changed.push(`${service}: verified ${known.digests[service] ?? 'no image'}, given ${given.digests[service] ?? 'no image'}`);
    }
  }
  return changed;
}

function toRelease(row: ReleaseRow): ReleaseIdentity {
  return {
    tag: row.tag,
    version: row.version,
    commit: row.commit_sha,
    createdAt: row.created_at,
    digests: JSON.parse(row.digests) as Record<string, string>,
  };
}

function toRecord(row: PromotionRow): PromotionRecord {
  return {
    environment: row.environment,
    release: row.release,
    status: row.status,
    digests: JSON.parse(row.digests) as Record<string, string>,
    detail: row.detail ?? undefined,
    supersededBy: row.superseded_by ?? undefined,
    queuedAt: row.queued_at,
    startedAt: row.started_at ?? undefined,
    liveAt: row.live_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    updatedAt: row.updated_at,
  };
}

function toLease(row: LeaseRow): LeaseRecord {
  return {
    environment: row.environment,
    release: row.release,
    token: row.token,
    pid: row.pid,
    host: row.host,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}
