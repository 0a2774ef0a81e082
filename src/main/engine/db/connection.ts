import Database from 'better-sqlite3';
import { migrate } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the workspace database: WAL for concurrent readers while one writer
 * works, foreign keys on, NORMAL sync (WAL keeps it crash-safe: a crash loses at most the last
 * transactions, never consistency).
 */
export function openDatabase(file: string, opts: { nativeBinding?: string } = {}): Db {
  const db = new Database(file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** A second, read-only connection (a worker thread reading a dataset while the main thread writes). */
export function openReadOnlyDatabase(file: string, opts: { nativeBinding?: string } = {}): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Foreign keys are checked at commit instead of per statement, for this transaction only. */
export function deferForeignKeys(db: Db): void {
  db.pragma('defer_foreign_keys = ON');
}

export function sqliteVersion(db: Db): string {
  return db.prepare('SELECT sqlite_version()').pluck().get() as string;
}

/** SQLite's own verdict on the file ("ok" when sound) and how many rows break a foreign key. */
export function checkDatabase(db: Db): { integrity: string; foreignKeys: number } {
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  return { integrity, foreignKeys: (db.pragma('foreign_key_check') as unknown[]).length };
}
