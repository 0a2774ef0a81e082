import type { BundleDataset, BundleDatasetVersion, BundleExperiment, BundleReference, BundleRun } from '../../../shared/bundles';
import type { Db } from './connection';

/**
 * SQL for registry bundles: the raw rows of runs, experiments and datasets as they travel in a
 * bundle's metadata (ids kept; their one type is in src/shared/bundles.ts, checked by the gate), and
 * their insertion on import. Inserts never overwrite: a row that is already here (same id) is left as
 * it is, which makes a second import of the same bundle a no-op.
 */
export type { BundleDataset, BundleDatasetVersion, BundleExperiment, BundleRun };

export class BundleRepo {
  constructor(readonly db: Db) {}

  // Reading (export) ----------------------------------------------------------------------------
  experiment(id: string): BundleExperiment | undefined {
    const e = this.db.prepare('SELECT id, name, description, created_at, updated_at, deleted_at FROM experiments WHERE id = ?').get(id) as Omit<BundleExperiment, 'tags'> | undefined;
    if (!e) return undefined;
    const tags = Object.fromEntries((this.db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ?').all(id) as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    return { ...e, tags };
  }
  run(id: string): BundleRun | undefined {
    const r = this.db
      .prepare('SELECT id, experiment_id, name, status, source, start_time, end_time, notes, environment_json, deleted_at FROM runs WHERE id = ?')
      .get(id) as Omit<BundleRun, 'params' | 'tags' | 'metrics' | 'artifacts'> | undefined;
    if (!r) return undefined;
    const kv = (sql: string) => Object.fromEntries((this.db.prepare(sql).all(id) as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    const series = this.db.prepare('SELECT id, key FROM latest_metrics WHERE run_id = ? ORDER BY key').all(id) as { id: number; key: string }[];
    const points = this.db.prepare('SELECT step, timestamp, value FROM metrics WHERE series_id = ? ORDER BY step, seq').raw();
    return {
      ...r,
      params: kv('SELECT key, value FROM params WHERE run_id = ?'),
      tags: kv('SELECT key, value FROM run_tags WHERE run_id = ?'),
      metrics: series.map((s) => ({ key: s.key, points: points.all(s.id) as [number, number, number | null][] })),
      artifacts: this.db.prepare('SELECT path, blob_hash, size, created_at FROM run_artifacts WHERE run_id = ? ORDER BY path').all(id) as BundleRun['artifacts'],
    };
  }
  datasetVersions(versionId: string): { dataset: BundleDataset; version: BundleDatasetVersion }[] {
    const rows = this.db.prepare('SELECT dataset_id, id, number, message, created_at, parent_id, source_path, format, size, file_count, row_count, column_count, stored_bytes, profile_json, index_blob FROM dataset_versions WHERE id = ?').all(versionId) as Omit<BundleDatasetVersion, 'files'>[];
    return rows.map((v) => ({
      dataset: this.db.prepare('SELECT id, name, created_at FROM datasets WHERE id = ?').get(v.dataset_id) as BundleDataset,
      version: { ...v, files: this.db.prepare('SELECT path, blob_hash, size, meta_json FROM dataset_files WHERE dataset_id = ? AND version_id = ? ORDER BY path').all(v.dataset_id, v.id) as BundleDatasetVersion['files'] },
    }));
  }

  // Writing (import) ----------------------------------------------------------------------------
  hasRun(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }
  experimentIdByName(name: string): string | undefined {
    return this.db.prepare('SELECT id FROM experiments WHERE name = ?').pluck().get(name) as string | undefined;
  }
  hasExperiment(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM experiments WHERE id = ?').get(id) !== undefined;
  }
  insertExperiment(e: BundleExperiment): void {
    this.db.prepare('INSERT INTO experiments (id, name, description, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)').run(e.id, e.name, e.description, e.created_at, e.updated_at, e.deleted_at);
    const tag = this.db.prepare('INSERT OR IGNORE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(e.tags)) tag.run(e.id, k, v);
  }
  /** Inserts a run with everything hanging off it, under `experimentId` (the local one of its experiment). */
  insertRun(r: BundleRun, experimentId: string): void {
    this.db
      .prepare('INSERT INTO runs (id, experiment_id, name, status, source, start_time, end_time, notes, environment_json, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, experimentId, r.name, r.status, r.source, r.start_time, r.end_time, r.notes, r.environment_json, r.deleted_at);
    const param = this.db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(r.params)) param.run(r.id, k, v);
    const tag = this.db.prepare('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(r.tags)) tag.run(r.id, k, v);
    const series = this.db.prepare(
      `INSERT INTO latest_metrics (run_id, key, last, min, max, step, timestamp, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    const point = this.db.prepare('INSERT INTO metrics (series_id, step, seq, timestamp, value) VALUES (?, ?, ?, ?, ?)');
    for (const m of r.metrics) {
      if (m.points.length === 0) continue;
      let last = m.points[0];
      let min: number | null = null;
      let max: number | null = null;
      for (const p of m.points) {
        if (p[0] > last[0] || (p[0] === last[0] && p[1] >= last[1])) last = p;
        if (p[2] !== null) {
          min = min === null ? p[2] : Math.min(min, p[2]);
          max = max === null ? p[2] : Math.max(max, p[2]);
        }
      }
      const sid = (series.get(r.id, m.key, last[2], min, max, last[0], last[1], m.points.length) as { id: number }).id;
      m.points.forEach((p, seq) => point.run(sid, p[0], seq, p[1], p[2]));
    }
    const art = this.db.prepare('INSERT INTO run_artifacts (run_id, path, blob_hash, size, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const a of r.artifacts) art.run(r.id, a.path, a.blob_hash, a.size, a.created_at);
  }

  datasetByName(name: string): BundleDataset | undefined {
    return this.db.prepare('SELECT id, name, created_at FROM datasets WHERE name = ?').get(name) as BundleDataset | undefined;
  }
  insertDataset(d: BundleDataset): void {
    this.db.prepare('INSERT INTO datasets (id, name, created_at) VALUES (?, ?, ?)').run(d.id, d.name, d.created_at);
  }
  hasDatasetVersion(datasetId: string, id: string): boolean {
    return this.db.prepare('SELECT 1 FROM dataset_versions WHERE dataset_id = ? AND id = ?').get(datasetId, id) !== undefined;
  }
  datasetNumberTaken(datasetId: string, number: number): boolean {
    return this.db.prepare('SELECT 1 FROM dataset_versions WHERE dataset_id = ? AND number = ?').get(datasetId, number) !== undefined;
  }
  nextDatasetNumber(datasetId: string): number {
    return this.db.prepare('SELECT coalesce(max(number), 0) + 1 FROM dataset_versions WHERE dataset_id = ?').pluck().get(datasetId) as number;
  }
  insertDatasetVersion(datasetId: string, v: BundleDatasetVersion, number: number, parentId: string | null): void {
    this.db
      .prepare(
        `INSERT INTO dataset_versions (dataset_id, id, number, message, created_at, parent_id, source_path, format, size, file_count, row_count,
           column_count, stored_bytes, profile_json, index_blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, v.id, number, v.message, v.created_at, parentId, v.source_path, v.format, v.size, v.file_count, v.row_count, v.column_count, v.stored_bytes, v.profile_json, v.index_blob);
    const f = this.db.prepare('INSERT INTO dataset_files (dataset_id, version_id, path, blob_hash, size, meta_json) VALUES (?, ?, ?, ?, ?, ?)');
    for (const x of v.files) f.run(datasetId, v.id, x.path, x.blob_hash, x.size, x.meta_json);
  }

  // Reference profiles (monitoring) -------------------------------------------------------------
  reference(versionId: string): BundleReference | undefined {
    return this.db.prepare('SELECT version_id, created_at, profile_json FROM monitor_references WHERE version_id = ?').get(versionId) as BundleReference | undefined;
  }
  /** Inserts a profile unless the version has one here (which is kept); true when inserted. */
  insertReference(r: { versionId: string; model: string; number: number; createdAt: number; source: string; profile: string }): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO monitor_references (version_id, model, number, created_at, source, profile_json) VALUES (?, ?, ?, ?, ?, ?)').run(r.versionId, r.model, r.number, r.createdAt, r.source, r.profile).changes > 0;
  }
}
