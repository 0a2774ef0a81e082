import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LatheError } from '../../../shared/errors';
import m001 from './migrations/001_foundation';
import m002 from './migrations/002_tracking';
import m003 from './migrations/003_metrics_clustered';
import m004 from './migrations/004_evaluations_sweeps';
import m005 from './migrations/005_registry';
import m006 from './migrations/006_training';
import m007 from './migrations/007_sweep_owner';
import m008 from './migrations/008_bundle_keyring';
import m009 from './migrations/009_split_membership';
import m010 from './migrations/010_monitoring';
import m011 from './migrations/011_pipelines';
import m012 from './migrations/012_run_owner';
import m013 from './migrations/013_request_keys';
import m014 from './migrations/014_pending_flush';
import m015 from './migrations/015_monitor_parts';

/**
 * Numbered migrations, applied in order, each in its own transaction. The sha256 of each applied
 * migration is recorded so an edited migration is caught instead of silently diverging.
 * Append new migrations; never edit an applied one.
 */
export const MIGRATIONS: { id: number; name: string; sql: string }[] = [
  { id: 1, name: 'foundation', sql: m001 },
  { id: 2, name: 'tracking', sql: m002 },
  { id: 3, name: 'metrics clustered', sql: m003 },
  { id: 4, name: 'evaluations and sweeps', sql: m004 },
  { id: 5, name: 'registry', sql: m005 },
  { id: 6, name: 'training', sql: m006 },
  { id: 7, name: 'sweep owner', sql: m007 },
  { id: 8, name: 'bundle keyring', sql: m008 },
  { id: 9, name: 'split membership', sql: m009 },
  { id: 10, name: 'monitoring', sql: m010 },
  { id: 11, name: 'pipelines', sql: m011 },
  { id: 12, name: 'run owner', sql: m012 },
  { id: 13, name: 'request keys', sql: m013 },
  { id: 14, name: 'pending flush', sql: m014 },
  { id: 15, name: 'monitor parts', sql: m015 },
];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Map(
    (db.prepare('SELECT id, sha256 FROM schema_migrations').all() as { id: number; sha256: string }[]).map((r) => [
      r.id,
      r.sha256,
    ]),
  );
  for (const m of MIGRATIONS) {
    const hash = sha256(m.sql);
    const known = applied.get(m.id);
    if (known !== undefined) {
      if (known !== hash) {
        throw new LatheError('INTERNAL', `Migration ${m.id} (${m.name}) differs from the one applied to this workspace`, {
          hint: 'This build of Lathe does not match the workspace; use the version that created it.',
        });
      }
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, sha256, applied_at) VALUES (?, ?, ?, ?)').run(
        m.id,
        m.name,
        hash,
        new Date().toISOString(),
      );
    })();
  }
  const newest = Math.max(...applied.keys(), 0);
  // The newest id this build knows (ids are 1..N; a test keeps them so).
  if (newest > Math.max(...MIGRATIONS.map((m) => m.id))) {
    throw new LatheError('INTERNAL', `This workspace was written by a newer Lathe (schema ${newest})`, {
      hint: 'Upgrade Lathe to open it.',
    });
  }
}
