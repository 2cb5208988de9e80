import { readFile, readdir } from 'node:fs/promises';
import pg, { type Pool } from 'pg';
import type { Note } from '@embark/shared';

/** The migrations shipped beside the compiled code (the build copies them into dist/). */
export const migrationsDir = new URL('./migrations/', import.meta.url);

export interface NoteRow {
  id: string;
  title: string;
  documentKey: string;
  createdAt: Date;
}

/** PostgreSQL access for notes. */
export class Database {
  private readonly pool: Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 5, connectionTimeoutMillis: 2000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => console.error(`postgres: ${error.message}`));
  }

  /** Applies every migration in name order; each is written to be safe to run again. */
  async migrate(dir: URL = migrationsDir): Promise<string[]> {
    const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
    for (const file of files) await this.pool.query(await readFile(new URL(file, dir), 'utf8'));
    return files;
  }

  /** Whether PostgreSQL answers a query. */
  async isReachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async insertNote(row: NoteRow): Promise<void> {
    await this.pool.query('INSERT INTO notes (id, title, document_key, created_at) VALUES ($1, $2, $3, $4)', [
      row.id,
      row.title,
      row.documentKey,
      row.createdAt,
    ]);
  }

  async listNotes(limit = 100): Promise<Note[]> {
    const result = await this.pool.query<{ id: string; title: string; created_at: Date }>(
      'SELECT id, title, created_at FROM notes ORDER BY created_at DESC LIMIT $1',
      [limit],
    );
    return result.rows.map((row) => ({ id: row.id, title: row.title, createdAt: row.created_at.toISOString() }));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
