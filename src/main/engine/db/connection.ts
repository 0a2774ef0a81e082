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
