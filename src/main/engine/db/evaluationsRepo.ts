import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for evaluations (and their lineage edges). Every value is a bound parameter. */

export interface EvaluationRow {
  id: string;
  run_id: string;
  run_name: string;
  dataset_id: string;
  version_id: string;
  data_ref: string;
  task: string;
  created_at: number;
  duration_ms: number;
  spec_json: string;
  headline_json: string;
  report_json: string;
  split: string;
  training_rows: number | null;
  intervals_json: string;
}

export type EvaluationListRow = Omit<EvaluationRow, 'report_json' | 'spec_json'> & { spec_json: string };

export interface NewEvaluation {
  id: string;
  runId: string;
  datasetId: string;
  versionId: string;
  dataRef: string;
  task: string;
  createdAt: number;
  durationMs: number;
  spec: string;
  headline: string;
  report: string;
  split: string;
  trainingRows: number | null;
  intervals: string;
  /** evaluation/cases.ts encoding of the scored rows. */
  cases: Buffer | null;
}

const LIST_COLUMNS = `e.id, e.run_id, r.name AS run_name, e.dataset_id, e.version_id, e.data_ref, e.task, e.created_at, e.duration_ms, e.spec_json, e.headline_json, e.split, e.training_rows, e.intervals_json`;

export class EvaluationsRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = lazyStatements(db, {
      insert: () => p(
        `INSERT INTO evaluations (id, run_id, dataset_id, version_id, data_ref, task, created_at, duration_ms, spec_json, headline_json, report_json, split, training_rows, intervals_json, cases)
         VALUES (@id, @runId, @datasetId, @versionId, @dataRef, @task, @createdAt, @durationMs, @spec, @headline, @report, @split, @trainingRows, @intervals, @cases)`,
      ),
      lineage: () => p(
        `INSERT OR IGNORE INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, 'evaluation', ?, ?, ?)`,
      ),
      get: () => p(`SELECT ${LIST_COLUMNS}, e.report_json FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.id = ?`),
      byRun: () => p(`SELECT ${LIST_COLUMNS} FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.run_id = ? ORDER BY e.created_at DESC, e.id LIMIT ? OFFSET ?`),
      all: () => p(`SELECT ${LIST_COLUMNS} FROM evaluations e JOIN runs r ON r.id = e.run_id ORDER BY e.created_at DESC, e.id LIMIT ? OFFSET ?`),
      byVersion: () => p(`SELECT ${LIST_COLUMNS} FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.version_id = ? ORDER BY e.created_at DESC, e.id LIMIT ? OFFSET ?`),
      remove: () => p(`DELETE FROM evaluations WHERE id = ?`),
      cases: () => p(`SELECT cases FROM evaluations WHERE id = ?`).pluck(),
    });
  }

  /** The row and its two lineage edges in one transaction. */
  insert(e: NewEvaluation): void {
    this.db.transaction(() => {
      this.s.insert.run(e);
      const now = new Date(e.createdAt).toISOString();
      this.s.lineage.run('dataset_version', e.versionId, e.id, 'evaluated-on', now);
      this.s.lineage.run('run', e.runId, e.id, 'evaluated', now);
    })();
  }

  get(id: string): EvaluationRow | undefined {
    return this.s.get.get(id) as EvaluationRow | undefined;
  }

  list(filter: { runId?: string; versionId?: string }, limit: number, offset: number): EvaluationListRow[] {
    if (filter.runId !== undefined) return this.s.byRun.all(filter.runId, limit, offset) as EvaluationListRow[];
    if (filter.versionId !== undefined) return this.s.byVersion.all(filter.versionId, limit, offset) as EvaluationListRow[];
    return this.s.all.all(limit, offset) as EvaluationListRow[];
  }

  /** The scored cases of an evaluation (null for evaluations made before they were kept). */
  cases(id: string): Buffer | null {
    return (this.s.cases.get(id) as Buffer | null | undefined) ?? null;
  }

  /** Deletes the row; the trigger of its migration removes its lineage edges. */
  remove(id: string): boolean {
    return this.s.remove.run(id).changes > 0;
  }
}
