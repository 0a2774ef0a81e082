import type { Statement } from 'better-sqlite3';
import type { Db } from './connection';
import { lazyStatements } from './statements';

/**
 * SQL for noticing what other processes wrote to the workspace (see tracking/otherWriters.ts). Every
 * query is small: SQLite's data_version, rows past a rowid, and the runs that are still live.
 */

export interface LiveRunRow {
  id: string;
  status: string;
  end_time: number | null;
  deleted_at: number | null;
  params: number;
  tags: number;
}

export interface LiveSeriesRow {
  id: number;
  run_id: string;
  key: string;
  last: number | null;
  step: number;
  count: number;
}

export class OtherWritersRepo {
  private readonly s: Record<'dataVersion' | 'maxRunRowid' | 'maxExperimentRowid' | 'runsAfter' | 'experimentsAfter' | 'liveRunIds' | 'runsIn' | 'seriesOf', Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = lazyStatements(db, {
      // Changes whenever another connection (another process, a worker thread) commits; not for our own.
      dataVersion: () => p('PRAGMA data_version').pluck(),
      maxRunRowid: () => p('SELECT COALESCE(MAX(rowid), 0) FROM runs').pluck(),
      maxExperimentRowid: () => p('SELECT COALESCE(MAX(rowid), 0) FROM experiments').pluck(),
      runsAfter: () => p('SELECT rowid AS rowid, id FROM runs WHERE rowid > ? ORDER BY rowid'),
      experimentsAfter: () => p('SELECT rowid AS rowid, id FROM experiments WHERE rowid > ? ORDER BY rowid'),
      // Running, or ended since the given time (clients log test metrics just after the end).
      liveRunIds: () => p("SELECT id FROM runs WHERE deleted_at IS NULL AND (status = 'running' OR end_time >= ?)").pluck(),
      runsIn: () => p(
        `SELECT r.id, r.status, r.end_time, r.deleted_at,
                (SELECT COUNT(*) FROM params WHERE run_id = r.id) AS params,
                (SELECT COUNT(*) FROM run_tags WHERE run_id = r.id) AS tags
         FROM runs r WHERE r.id IN (SELECT value FROM json_each(?))`,
      ),
      seriesOf: () => p('SELECT id, run_id, key, last, step, count FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each(?))'),
    });
  }

  dataVersion(): number {
    return this.s.dataVersion.get() as number;
  }

  maxRowids(): { runs: number; experiments: number } {
    return { runs: this.s.maxRunRowid.get() as number, experiments: this.s.maxExperimentRowid.get() as number };
  }

  runsAfter(rowid: number): { rowid: number; id: string }[] {
    return this.s.runsAfter.all(rowid) as { rowid: number; id: string }[];
  }

  experimentsAfter(rowid: number): { rowid: number; id: string }[] {
    return this.s.experimentsAfter.all(rowid) as { rowid: number; id: string }[];
  }

  liveRunIds(endedSince: number): string[] {
    return this.s.liveRunIds.all(endedSince) as string[];
  }

  runs(ids: string[]): LiveRunRow[] {
    return this.s.runsIn.all(JSON.stringify(ids)) as LiveRunRow[];
  }

  series(runIds: string[]): LiveSeriesRow[] {
    return this.s.seriesOf.all(JSON.stringify(runIds)) as LiveSeriesRow[];
  }
}
