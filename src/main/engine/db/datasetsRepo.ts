import type { Db } from './connection';
import { lazyStatements } from './statements';

export interface DatasetRow {
  id: string;
  name: string;
  created_at: string;
}

export interface VersionRow {
  dataset_id: string;
  id: string;
  number: number;
  message: string;
  created_at: string;
  parent_id: string | null;
  source_path: string;
  format: string;
  size: number;
  file_count: number;
  row_count: number;
  column_count: number;
  stored_bytes: number;
  profile_json: string;
  index_blob: string | null;
}

export interface FileRow {
  path: string;
  blob_hash: string;
  size: number;
  meta_json: string | null;
}

export type NewVersionRow = Omit<VersionRow, 'number'>;

const VERSION_COLUMNS = `dataset_id, id, number, message, created_at, parent_id, source_path, format, size, file_count,
  row_count, column_count, stored_bytes, profile_json, index_blob`;

/** SQL for datasets, their versions, files and tags. Callers wrap multi-step changes in a transaction. */
export class DatasetsRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = lazyStatements(db, {
      datasetByName: () => db.prepare('SELECT id, name, created_at FROM datasets WHERE name = ?'),
      allDatasets: () => db.prepare('SELECT id, name, created_at FROM datasets ORDER BY name'),
      insertDataset: () => db.prepare('INSERT INTO datasets (id, name, created_at) VALUES (?, ?, ?)'),
      deleteDataset: () => db.prepare('DELETE FROM datasets WHERE id = ?'),
      versionCount: () => db.prepare('SELECT count(*) FROM dataset_versions WHERE dataset_id = ?').pluck(),
      versions: () => db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC`),
      latest: () => db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC LIMIT 1`),
      byId: () => db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = ? AND id = ?`),
      byNumber: () => db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = ? AND number = ?`),
      byIdPrefix: () => db.prepare(
        `SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE dataset_id = ? AND substr(id, 1, ?) = ? ORDER BY number`,
      ),
      nextNumber: () => db.prepare('SELECT coalesce(max(number), 0) + 1 FROM dataset_versions WHERE dataset_id = ?').pluck(),
      insertVersion: () => db.prepare(
        `INSERT INTO dataset_versions (${VERSION_COLUMNS})
         VALUES (@dataset_id, @id, @number, @message, @created_at, @parent_id, @source_path, @format, @size, @file_count,
                 @row_count, @column_count, @stored_bytes, @profile_json, @index_blob)`,
      ),
      reparentChildren: () => db.prepare('UPDATE dataset_versions SET parent_id = ? WHERE dataset_id = ? AND parent_id = ?'),
      deleteVersion: () => db.prepare('DELETE FROM dataset_versions WHERE dataset_id = ? AND id = ?'),
      insertFile: () => db.prepare(
        'INSERT INTO dataset_files (dataset_id, version_id, path, blob_hash, size, meta_json) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      files: () => db.prepare(
        'SELECT path, blob_hash, size, meta_json FROM dataset_files WHERE dataset_id = ? AND version_id = ? ORDER BY path',
      ),
      filePage: () => db.prepare(
        `SELECT path, blob_hash, size, meta_json FROM dataset_files WHERE dataset_id = ? AND version_id = ?
         ORDER BY path LIMIT ? OFFSET ?`,
      ),
      tagsOfDataset: () => db.prepare('SELECT tag, version_id FROM dataset_tags WHERE dataset_id = ? ORDER BY tag'),
      tag: () => db.prepare('SELECT version_id FROM dataset_tags WHERE dataset_id = ? AND tag = ?').pluck(),
      upsertTag: () => db.prepare(
        `INSERT INTO dataset_tags (dataset_id, tag, version_id, moved_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, tag) DO UPDATE SET version_id = excluded.version_id, moved_at = excluded.moved_at`,
      ),
      deleteTag: () => db.prepare('DELETE FROM dataset_tags WHERE dataset_id = ? AND tag = ?'),
      deleteTagsOfVersion: () => db.prepare('DELETE FROM dataset_tags WHERE dataset_id = ? AND version_id = ?'),
      // With a name for the refusal: a run's name, a model version as model@number (null when unknown).
      lineageUses: () => db.prepare(
        `SELECT l.to_kind, l.to_id, l.relation,
           CASE l.to_kind
             WHEN 'run' THEN (SELECT name FROM runs WHERE id = l.to_id)
             WHEN 'model_version' THEN (SELECT model || '@' || number FROM model_versions WHERE id = l.to_id)
           END AS label
         FROM lineage l WHERE l.from_kind = 'dataset_version' AND l.from_id = ? LIMIT 10`,
      ),
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  datasetByName(name: string): DatasetRow | undefined {
    return this.s.datasetByName.get(name) as DatasetRow | undefined;
  }
  allDatasets(): DatasetRow[] {
    return this.s.allDatasets.all() as DatasetRow[];
  }
  insertDataset(row: DatasetRow): void {
    this.s.insertDataset.run(row.id, row.name, row.created_at);
  }
  deleteDataset(id: string): void {
    this.s.deleteDataset.run(id);
  }

  versionCount(datasetId: string): number {
    return this.s.versionCount.get(datasetId) as number;
  }
  versions(datasetId: string): VersionRow[] {
    return this.s.versions.all(datasetId) as VersionRow[];
  }
  latest(datasetId: string): VersionRow | undefined {
    return this.s.latest.get(datasetId) as VersionRow | undefined;
  }
  versionById(datasetId: string, id: string): VersionRow | undefined {
    return this.s.byId.get(datasetId, id) as VersionRow | undefined;
  }
  versionByNumber(datasetId: string, n: number): VersionRow | undefined {
    return this.s.byNumber.get(datasetId, n) as VersionRow | undefined;
  }
  versionsByIdPrefix(datasetId: string, prefix: string): VersionRow[] {
    return this.s.byIdPrefix.all(datasetId, prefix.length, prefix) as VersionRow[];
  }
  /** Called inside the import transaction, so two imports cannot take the same number. */
  insertVersion(row: NewVersionRow): number {
    const number = this.s.nextNumber.get(row.dataset_id) as number;
    this.s.insertVersion.run({ ...row, number });
    return number;
  }
  reparentChildren(datasetId: string, removedId: string, newParent: string | null): void {
    this.s.reparentChildren.run(newParent, datasetId, removedId);
  }
  deleteVersion(datasetId: string, id: string): void {
    this.s.deleteVersion.run(datasetId, id);
  }

  insertFile(datasetId: string, versionId: string, f: FileRow): void {
    this.s.insertFile.run(datasetId, versionId, f.path, f.blob_hash, f.size, f.meta_json);
  }
  files(datasetId: string, versionId: string): FileRow[] {
    return this.s.files.all(datasetId, versionId) as FileRow[];
  }
  filePage(datasetId: string, versionId: string, offset: number, limit: number): FileRow[] {
    return this.s.filePage.all(datasetId, versionId, limit, offset) as FileRow[];
  }

  tagsOfDataset(datasetId: string): { tag: string; version_id: string }[] {
    return this.s.tagsOfDataset.all(datasetId) as { tag: string; version_id: string }[];
  }
  taggedVersion(datasetId: string, tag: string): string | undefined {
    return this.s.tag.get(datasetId, tag) as string | undefined;
  }
  setTag(datasetId: string, tag: string, versionId: string): void {
    this.s.upsertTag.run(datasetId, tag, versionId, new Date().toISOString());
  }
  deleteTag(datasetId: string, tag: string): boolean {
    return this.s.deleteTag.run(datasetId, tag).changes > 0;
  }
  deleteTagsOfVersion(datasetId: string, versionId: string): void {
    this.s.deleteTagsOfVersion.run(datasetId, versionId);
  }

  /** What the lineage table says was made from this version (runs, models): a version in use. */
  lineageUses(versionId: string): { to_kind: string; to_id: string; relation: string; label: string | null }[] {
    return this.s.lineageUses.all(versionId) as { to_kind: string; to_id: string; relation: string; label: string | null }[];
  }
}
