import type Database from 'better-sqlite3';
import { isRunning, processRef } from '../process.ts';
import { openDatabase, type Durability } from './sqlite.ts';

/**
 * `interrupted` is never stored: it is how a `running` run reads once the process running it has
 * died (killed, or the machine stopped), so it is not mistaken for one still going.
 */
export type RunStatus = 'running' | 'interrupted' | 'waiting' | 'succeeded' | 'failed';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface RunRecord {
  id: number;
  project: string;
  repoDir: string;
  commit: string;
  branch: string;
  trigger: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
}

export interface StageRecord {
  runId: number;
  stage: string;
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
  summary?: string;
  outputs?: unknown;
}

/** Who holds a lease: a process (its kernel start time tells it from a later one with its pid) and its run. */
export interface LeaseHolder {
  runId: number;
  pid: number;
  startTime: string;
}

export interface LeaseRecord extends LeaseHolder {
  key: string;
  acquiredAt: string;
  /** Set once the holder's work is done: the lease then answers "finished" instead of "busy". */
  finishedAt?: string;
  outcome?: string;
}

/** A claim's answer: taken (from a holder that died, if any), held by a live process, or done. */
export type LeaseClaim =
  | { kind: 'held'; lease: LeaseRecord; tookOverFrom?: LeaseRecord }
  | { kind: 'busy'; lease: LeaseRecord }
  | { kind: 'finished'; lease: LeaseRecord };

export interface EventRecord {
  runId: number;
  at: string;
  stage: string;
  type: string;
  message: string;
}

/**
 * Run state in SQLite: every transition is one transaction (WAL), so a run killed at any instant
 * resumes from what was committed, and `slipway serve` and `slipway run` can share one store from
 * two processes. Each commit reaches the disk before it returns, unless the store is opened for a
 * check run (`slipway ci`), whose records only this machine reads: then a power cut may undo its
 * last transitions, and it runs again.
 */
export class RunStore {
  private readonly db: Database.Database;

  constructor(path: string, durability: Durability = 'full') {
    this.db = openDatabase(path, durability);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, repo_dir TEXT NOT NULL,
        commit_sha TEXT NOT NULL, branch TEXT NOT NULL, trigger TEXT NOT NULL, status TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT);
      CREATE TABLE IF NOT EXISTS stages (
        run_id INTEGER NOT NULL REFERENCES runs(id), stage TEXT NOT NULL, status TEXT NOT NULL,
        started_at TEXT, finished_at TEXT, summary TEXT, outputs TEXT, PRIMARY KEY (run_id, stage));
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL,
        stage TEXT NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, stage TEXT NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS run_leases (
        key TEXT PRIMARY KEY, run_id INTEGER NOT NULL, pid INTEGER NOT NULL, start_time TEXT NOT NULL,
        acquired_at TEXT NOT NULL, finished_at TEXT, outcome TEXT);
      -- A run's events and feedback are read, and pruned, by run: without these, by a scan of every run's.
      CREATE INDEX IF NOT EXISTS events_by_run ON events (run_id);
      CREATE INDEX IF NOT EXISTS feedback_by_run ON feedback (run_id);
    `);
    // The process running a run (pid and start time), added to stores made before it was kept.
    const columns = new Set((this.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((column) => column.name));
    if (!columns.has('owner_pid'))
      this.db.exec('ALTER TABLE runs ADD COLUMN owner_pid INTEGER; ALTER TABLE runs ADD COLUMN owner_start TEXT;');
  }

  close(): void {
    this.db.close();
  }

  /**
   * Several transitions as one durable commit: all of them, or none after a crash. It holds the
   * write lock from its start (BEGIN IMMEDIATE), so what it read cannot change before it writes.
   */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  createRun(run: Omit<RunRecord, 'id' | 'status' | 'startedAt'>): RunRecord {
    const startedAt = new Date().toISOString();
    const owner = processRef(process.pid);
    const info = this.db
      .prepare(
        'INSERT INTO runs (project, repo_dir, commit_sha, branch, trigger, status, started_at, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        run.project,
        run.repoDir,
        run.commit,
        run.branch,
        run.trigger,
        'running',
        startedAt,
        owner?.pid ?? null,
        owner?.startTime ?? null,
      );
    return { ...run, id: Number(info.lastInsertRowid), status: 'running', startedAt };
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  /** The newest run of a commit: where a release webhook for that commit continues. */
  latestRunOfCommit(commit: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE commit_sha = ? ORDER BY id DESC LIMIT 1').get(commit) as RunRow | undefined;
    return row && toRun(row);
  }

  listRuns(limit = 20): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[]).map(toRun);
  }

  /** A run going on again (resumed, its release half started) belongs to this process from now on. */
  setRunStatus(id: number, status: Exclude<RunStatus, 'interrupted'>): void {
    const finished = status === 'succeeded' || status === 'failed' ? new Date().toISOString() : null;
    if (status !== 'running') {
      this.db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(status, finished, id);
      return;
    }
    const owner = processRef(process.pid);
    this.db
      .prepare('UPDATE runs SET status = ?, finished_at = ?, owner_pid = ?, owner_start = ? WHERE id = ?')
      .run(status, finished, owner?.pid ?? null, owner?.startTime ?? null, id);
  }

  stages(runId: number): StageRecord[] {
    return (this.db.prepare('SELECT * FROM stages WHERE run_id = ? ORDER BY rowid').all(runId) as StageRow[]).map(toStage);
  }

  stage(runId: number, stage: string): StageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM stages WHERE run_id = ? AND stage = ?').get(runId, stage) as StageRow | undefined;
    return row && toStage(row);
  }

  /** One stage's outputs in every run that has them, oldest run first: what each run's release was, say. */
  stageOutputs(stage: string): { runId: number; outputs: unknown }[] {
    return (
      this.db.prepare('SELECT run_id, outputs FROM stages WHERE stage = ? AND outputs IS NOT NULL ORDER BY run_id').all(stage) as {
        run_id: number;
        outputs: string;
      }[]
    ).map((row) => ({ runId: row.run_id, outputs: JSON.parse(row.outputs) as unknown }));
  }

  /** Records a stage transition; outputs and summary are stored only with a final status. */
  setStage(runId: number, stage: string, status: StageStatus, result: { summary?: string; outputs?: unknown } = {}): void {
    const now = new Date().toISOString();
    const outputs = result.outputs === undefined ? null : JSON.stringify(result.outputs);
    this.db
      .prepare(
        `INSERT INTO stages (run_id, stage, status, started_at, finished_at, summary, outputs) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, stage) DO UPDATE SET status = excluded.status,
           started_at = COALESCE(CASE WHEN excluded.status = 'running' THEN excluded.started_at END, stages.started_at),
           finished_at = excluded.finished_at, summary = excluded.summary, outputs = excluded.outputs`,
      )
      .run(runId, stage, status, now, status === 'running' || status === 'pending' ? null : now, result.summary ?? null, outputs);
  }

  addEvent(event: EventRecord): void {
    this.db
      .prepare('INSERT INTO events (run_id, at, stage, type, message) VALUES (?, ?, ?, ?, ?)')
      .run(event.runId, event.at, event.stage, event.type, event.message);
  }

  events(runId: number): EventRecord[] {
    return (
      this.db.prepare('SELECT run_id, at, stage, type, message FROM events WHERE run_id = ? ORDER BY id').all(runId) as EventRow[]
    ).map((row) => ({
      runId: row.run_id,
      at: row.at,
      stage: row.stage,
      type: row.type,
      message: row.message,
    }));
  }

  addFeedback(runId: number, stage: string, body: unknown): void {
    this.db.prepare('INSERT INTO feedback (run_id, stage, body) VALUES (?, ?, ?)').run(runId, stage, JSON.stringify(body));
  }

  feedback<T>(runId: number): T[] {
    return (this.db.prepare('SELECT body FROM feedback WHERE run_id = ? ORDER BY id').all(runId) as { body: string }[]).map(
      (row) => JSON.parse(row.body) as T,
    );
  }

  /**
   * Deletes the runs older than the newest `keep`, with their stages, events and feedback, so the
   * store stops growing run by run. Never one still recorded as running or waiting (it may be
   * resumed or carried on), one holding or having held a lease, one whose release stage created a
   * release (`slipway approve` and `rollback` find the repository by it), nor one of `protect`.
   * Returns the ids deleted.
   */
  pruneRuns(keep: number, protect: readonly number[] = []): number[] {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`pruneRuns keeps at least one run, not ${keep}`);
    return this.atomically(() => {
      const ids = (
        this.db
          .prepare(
            `SELECT id FROM runs
             WHERE id < (SELECT MIN(id) FROM (SELECT id FROM runs ORDER BY id DESC LIMIT ?))
               AND status NOT IN ('running', 'waiting')
               AND id NOT IN (SELECT value FROM json_each(?))
               AND id NOT IN (SELECT run_id FROM run_leases)
               AND NOT EXISTS (SELECT 1 FROM stages WHERE stages.run_id = runs.id AND stages.stage = 'release'
                 AND json_extract(stages.outputs, '$.manifest.tag') IS NOT NULL)
             ORDER BY id`,
          )
          .all(keep, JSON.stringify(protect)) as { id: number }[]
      ).map((row) => row.id);
      const list = JSON.stringify(ids);
      for (const table of ['events', 'feedback', 'stages'])
        this.db.prepare(`DELETE FROM ${table} WHERE run_id IN (SELECT value FROM json_each(?))`).run(list);
      this.db.prepare('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))').run(list);
      return ids;
    });
  }

  lease(key: string): LeaseRecord | undefined {
    const row = this.db.prepare('SELECT * FROM run_leases WHERE key = ?').get(key) as LeaseRow | undefined;
    return row && toLease(row);
  }

  /**
   * Takes the lease on `key` for `holder`, across processes sharing the store: unless its holder's
   * process still runs, or its work finished and `reopen` is not set. A holder that died without
   * finishing loses it. Claim and take are one write transaction, so two claimants never both win.
   */
  claimLease(key: string, holder: LeaseHolder, options: { reopen?: boolean } = {}): LeaseClaim {
    return this.atomically((): LeaseClaim => {
      const current = this.lease(key);
      if (current?.finishedAt !== undefined && !options.reopen) return { kind: 'finished', lease: current };
      if (current?.finishedAt === undefined && isRunning(current)) return { kind: 'busy', lease: current! };
      this.db
        .prepare(
          `INSERT INTO run_leases (key, run_id, pid, start_time, acquired_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, start_time = excluded.start_time,
             acquired_at = excluded.acquired_at, finished_at = NULL, outcome = NULL`,
        )
        .run(key, holder.runId, holder.pid, holder.startTime, new Date().toISOString());
      const tookOverFrom = current?.finishedAt === undefined ? current : undefined;
      return { kind: 'held', lease: this.lease(key)!, tookOverFrom };
    });
  }

  /** Marks the holder's work done: later claims answer "finished" (with the outcome) until reopened. */
  finishLease(key: string, holder: LeaseHolder, outcome: string): void {
    this.db
      .prepare('UPDATE run_leases SET finished_at = ?, outcome = ? WHERE key = ? AND pid = ? AND start_time = ?')
      .run(new Date().toISOString(), outcome, key, holder.pid, holder.startTime);
  }

  /** Gives the lease up, if the holder still has it: the next claim takes it. */
  dropLease(key: string, holder: LeaseHolder): void {
    this.db.prepare('DELETE FROM run_leases WHERE key = ? AND pid = ? AND start_time = ?').run(key, holder.pid, holder.startTime);
  }
}

interface RunRow {
  id: number;
  project: string;
  repo_dir: string;
  commit_sha: string;
  branch: string;
  trigger: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  owner_pid: number | null;
  owner_start: string | null;
}
interface StageRow {
  run_id: number;
  stage: string;
  status: StageStatus;
  started_at: string | null;
  finished_at: string | null;
  summary: string | null;
  outputs: string | null;
}
interface LeaseRow {
  key: string;
  run_id: number;
  pid: number;
  start_time: string;
  acquired_at: string;
  finished_at: string | null;
  outcome: string | null;
}
interface EventRow {
  run_id: number;
  at: string;
  stage: string;
  type: string;
  message: string;
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    project: row.project,
    repoDir: row.repo_dir,
    commit: row.commit_sha,
    branch: row.branch,
    trigger: row.trigger,
    status: row.status === 'running' && !ownerRuns(row) ? 'interrupted' : row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
  };
}

/** Whether the process that runs it still does (a run recorded before owners were kept is taken to). */
function ownerRuns(row: RunRow): boolean {
  return row.owner_pid === null || isRunning({ pid: row.owner_pid, startTime: row.owner_start ?? undefined });
}

function toStage(row: StageRow): StageRecord {
  return {
    runId: row.run_id,
    stage: row.stage,
    status: row.status,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    summary: row.summary ?? undefined,
    outputs: row.outputs === null ? undefined : JSON.parse(row.outputs),
  };
}

function toLease(row: LeaseRow): LeaseRecord {
  return {
    key: row.key,
    runId: row.run_id,
    pid: row.pid,
    startTime: row.start_time,
    acquiredAt: row.acquired_at,
    finishedAt: row.finished_at ?? undefined,
    outcome: row.outcome ?? undefined,
  };
}
