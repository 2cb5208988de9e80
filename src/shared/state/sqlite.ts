import type Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { hostFailureOf } from '../feedback/host-failure.ts';

// Required, not imported: an import of this CommonJS package has Node scan its sources for export
// names on every start.
const require = createRequire(import.meta.url);
const BetterSqlite3: typeof Database = require('better-sqlite3');
/**
 * Where the addon was built, handed to better-sqlite3: left to find it, it probes a dozen paths
 * through the `bindings` package on every start. Undefined (it searches) where it is elsewhere.
 */
const addonPath = (() => {
  try {
    return require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
})();

/**
 * How far a commit has gone when it returns. 'full': to the disk (an fsync per commit). 'normal':
 * to the operating system, so it survives the process being killed, but a power cut can undo the
 * last commits (never corrupting the database: SQLite's WAL guarantees that); for records nothing
 * outside the machine depends on, where an fsync per commit is most of a short command's time.
 */
export type Durability = 'full' | 'normal';

/**
 * A SQLite database as Slipway's stores use it: WAL, commits as durable as asked (every one to the
 * disk by default), and a busy timeout, so several processes (a run, `slipway serve`, an approval)
 * share it safely.
 */
export function openDatabase(path: string, durability: Durability = 'full'): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new BetterSqlite3(path, { nativeBinding: addonPath });
    db.pragma('journal_mode = WAL');
    db.pragma(durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
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
