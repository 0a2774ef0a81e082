import type { Db } from './connection';

/** SQL for the model registry: models, versions, their files, aliases and their moves, exports. */

export interface ModelRow {
  name: string;
  description: string;
  created_at: number;
}
export interface VersionRow {
  id: string;
  model: string;
  number: number;
  description: string;
  created_at: number;
  created_by: string;
  run_id: string | null;
  backend: string | null;
  app_version: string;
  params_json: string;
  metrics_json: string;
  datasets_json: string;
  card_json: string;
}
export interface ModelFileRow {
  version_id: string;
  path: string;
  blob_hash: string;
  size: number;
}
export interface AliasRow {
  model: string;
  alias: string;
  version_id: string;
  moved_at: number;
}
export interface AliasMoveRow {
  id: string;
  model: string;
  alias: string;
  from_version: string | null;
  to_version: string | null;
  moved_at: number;
  moved_by: string;
  reason: string;
}
export interface ExportRow {
  id: string;
  version_id: string;
  format: string;
  out_dir: string;
  content_hash: string;
  files_json: string;
  bytes: number;
  created_at: number;
  created_by: string;
  report_json: string;
}
export interface LineageRow {
  from_kind: string;
  from_id: string;
  to_kind: string;
  to_id: string;
  relation: string;
  created_at: string;
}

const V = 'id, model, number, description, created_at, created_by, run_id, backend, app_version, params_json, metrics_json, datasets_json, card_json';

export class RegistryRepo {
  constructor(readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Models --------------------------------------------------------------------------------------
  model(name: string): ModelRow | undefined {
    return this.db.prepare('SELECT name, description, created_at FROM models WHERE name = ?').get(name) as ModelRow | undefined;
  }
  models(): ModelRow[] {
    return this.db.prepare('SELECT name, description, created_at FROM models ORDER BY name').all() as ModelRow[];
  }
  insertModel(m: ModelRow): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO models (name, description, created_at) VALUES (?, ?, ?)').run(m.name, m.description, m.created_at).changes > 0;
  }

  // Versions ------------------------------------------------------------------------------------
  version(id: string): VersionRow | undefined {
    return this.db.prepare(`SELECT ${V} FROM model_versions WHERE id = ?`).get(id) as VersionRow | undefined;
  }
  versionByNumber(model: string, n: number): VersionRow | undefined {
    return this.db.prepare(`SELECT ${V} FROM model_versions WHERE model = ? AND number = ?`).get(model, n) as VersionRow | undefined;
  }
  latestVersion(model: string): VersionRow | undefined {
    return this.db.prepare(`SELECT ${V} FROM model_versions WHERE model = ? ORDER BY number DESC LIMIT 1`).get(model) as VersionRow | undefined;
  }
  versions(model: string): VersionRow[] {
    return this.db.prepare(`SELECT ${V} FROM model_versions WHERE model = ? ORDER BY number DESC`).all(model) as VersionRow[];
  }
  versionsOfRun(runId: string): VersionRow[] {
    return this.db.prepare(`SELECT ${V} FROM model_versions WHERE run_id = ? ORDER BY created_at`).all(runId) as VersionRow[];
  }
  versionCount(model: string): number {
    return this.db.prepare('SELECT count(*) FROM model_versions WHERE model = ?').pluck().get(model) as number;
  }
  nextNumber(model: string): number {
    return this.db.prepare('SELECT coalesce(max(number), 0) + 1 FROM model_versions WHERE model = ?').pluck().get(model) as number;
  }
  insertVersion(v: VersionRow): void {
    this.db
      .prepare(
        `INSERT INTO model_versions (${V}) VALUES (@id, @model, @number, @description, @created_at, @created_by, @run_id, @backend,
           @app_version, @params_json, @metrics_json, @datasets_json, @card_json)`,
      )
      .run(v);
  }
  setCard(id: string, cardJson: string): void {
    this.db.prepare('UPDATE model_versions SET card_json = ? WHERE id = ?').run(cardJson, id);
  }
  setDescription(id: string, description: string): void {
    this.db.prepare('UPDATE model_versions SET description = ? WHERE id = ?').run(description, id);
  }
  files(versionId: string): ModelFileRow[] {
    return this.db.prepare('SELECT version_id, path, blob_hash, size FROM model_files WHERE version_id = ? ORDER BY path').all(versionId) as ModelFileRow[];
  }
  insertFile(f: ModelFileRow): void {
    this.db.prepare('INSERT OR IGNORE INTO model_files (version_id, path, blob_hash, size) VALUES (?, ?, ?, ?)').run(f.version_id, f.path, f.blob_hash, f.size);
  }

  // Aliases -------------------------------------------------------------------------------------
  aliases(model: string): AliasRow[] {
    return this.db.prepare('SELECT model, alias, version_id, moved_at FROM model_aliases WHERE model = ? ORDER BY alias').all(model) as AliasRow[];
  }
  alias(model: string, alias: string): AliasRow | undefined {
    return this.db.prepare('SELECT model, alias, version_id, moved_at FROM model_aliases WHERE model = ? AND alias = ?').get(model, alias) as AliasRow | undefined;
  }
  aliasesOfVersion(versionId: string): string[] {
    return this.db.prepare('SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias').pluck().all(versionId) as string[];
  }
  setAlias(model: string, alias: string, versionId: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO model_aliases (model, alias, version_id, moved_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (model, alias) DO UPDATE SET version_id = excluded.version_id, moved_at = excluded.moved_at`,
      )
      .run(model, alias, versionId, at);
  }
  removeAlias(model: string, alias: string): boolean {
    return this.db.prepare('DELETE FROM model_aliases WHERE model = ? AND alias = ?').run(model, alias).changes > 0;
  }
  moves(model: string, alias?: string): AliasMoveRow[] {
    return this.db
      .prepare(
        `SELECT id, model, alias, from_version, to_version, moved_at, moved_by, reason FROM model_alias_moves
         WHERE model = ? AND (? IS NULL OR alias = ?) ORDER BY moved_at, rowid`,
      )
      .all(model, alias ?? null, alias ?? null) as AliasMoveRow[];
  }
  hasMove(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM model_alias_moves WHERE id = ?').get(id) !== undefined;
  }
  insertMove(m: AliasMoveRow): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO model_alias_moves (id, model, alias, from_version, to_version, moved_at, moved_by, reason)
         VALUES (@id, @model, @alias, @from_version, @to_version, @moved_at, @moved_by, @reason)`,
      )
      .run(m);
  }

  // Exports -------------------------------------------------------------------------------------
  insertExport(e: ExportRow): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO exports (id, version_id, format, out_dir, content_hash, files_json, bytes, created_at, created_by, report_json)
         VALUES (@id, @version_id, @format, @out_dir, @content_hash, @files_json, @bytes, @created_at, @created_by, @report_json)`,
      )
      .run(e);
  }
  export(id: string): ExportRow | undefined {
    return this.db.prepare('SELECT * FROM exports WHERE id = ?').get(id) as ExportRow | undefined;
  }
  /** Exports of the given versions (all versions when null), newest first, at most `limit`. */
  exportsOf(versionIds: string[] | null, limit = -1): ExportRow[] {
    if (versionIds === null) return this.db.prepare('SELECT * FROM exports ORDER BY created_at DESC LIMIT ?').all(limit) as ExportRow[];
    return this.db
      .prepare('SELECT * FROM exports WHERE version_id IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC LIMIT ?')
      .all(JSON.stringify(versionIds), limit) as ExportRow[];
  }

  // Lineage -------------------------------------------------------------------------------------
  addLineage(r: LineageRow): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(r.from_kind, r.from_id, r.to_kind, r.to_id, r.relation, r.created_at).changes > 0
    );
  }
  lineageFrom(kind: string, id: string): LineageRow[] {
    return this.db.prepare('SELECT * FROM lineage WHERE from_kind = ? AND from_id = ?').all(kind, id) as LineageRow[];
  }
  lineageTo(kind: string, id: string): LineageRow[] {
    return this.db.prepare('SELECT * FROM lineage WHERE to_kind = ? AND to_id = ?').all(kind, id) as LineageRow[];
  }
  hasLineage(r: LineageRow): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM lineage WHERE from_kind = ? AND from_id = ? AND to_kind = ? AND to_id = ? AND relation = ?')
        .get(r.from_kind, r.from_id, r.to_kind, r.to_id, r.relation) !== undefined
    );
  }

  /** Dataset version id -> "name", number (a version id may appear in several datasets; the first wins). */
  datasetVersionLabel(id: string): { dataset: string; number: number } | undefined {
    return this.db
      .prepare('SELECT d.name AS dataset, v.number AS number FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ? LIMIT 1')
      .get(id) as { dataset: string; number: number } | undefined;
  }
  /** Rows and profile of a dataset version (the first dataset holding that content wins). */
  datasetVersionProfile(id: string): { rows: number; profile_json: string } | undefined {
    return this.db.prepare('SELECT row_count AS rows, profile_json FROM dataset_versions WHERE id = ? LIMIT 1').get(id) as
      | { rows: number; profile_json: string }
      | undefined;
  }
  runLabel(id: string): string | undefined {
    return this.db.prepare('SELECT name FROM runs WHERE id = ?').pluck().get(id) as string | undefined;
  }
}
