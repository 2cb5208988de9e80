import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostFailureOf } from '../feedback/host-failure.ts';

/**
 * A SQLite database as Slipway's stores use it: WAL, every commit durable (synchronous FULL), and
 * a busy timeout, so several processes (a run, `slipway serve`, an approval) share it safely.
 */
export function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // Reading the schema finds a file that is not a database, or a damaged one, at once.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db?.close();
    throw hostFailureOf(whyNotOpened(error, path), path) ?? error;
  }
}

/**
 * SQLite says only "unable to open database file": the directory itself tells why (a read-only
 * file system, no permission), as an error that names it.
 */
function whyNotOpened(error: unknown, path: string): unknown {
  if ((error as { code?: unknown }).code !== 'SQLITE_CANTOPEN') return error;
  try {
    accessSync(dirname(path), constants.W_OK);
    return error;
  } catch (denied) {
    return denied;
  }
}
