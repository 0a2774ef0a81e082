import type { Db } from './connection';
import { lazyStatements } from './statements';

/**
 * Read-only SQL for `doctor`'s meaning checks: every stored row that carries a name, a path, a number
 * or a derived id, in the shape the bundle schemas check (src/shared/bundles.ts).
 */
export class DoctorRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = lazyStatements(db, {
      datasets: () => db.prepare('SELECT id, name, created_at FROM datasets ORDER BY name'),
      versions: () => db.prepare('SELECT dataset_id, id, number, message, created_at, parent_id, source_path, format, size, file_count, row_count, column_count, stored_bytes, profile_json, index_blob FROM dataset_versions WHERE dataset_id = ? ORDER BY number'),
      datasetFiles: () => db.prepare('SELECT path, blob_hash, size, meta_json FROM dataset_files WHERE dataset_id = ? AND version_id = ? ORDER BY path'),
      models: () => db.prepare('SELECT name, description, created_at FROM models ORDER BY name'),
      modelVersions: () => db.prepare(
        'SELECT id, model, number, description, created_at, created_by, run_id, backend, app_version, params_json, metrics_json, datasets_json, card_json FROM model_versions ORDER BY model, number',
      ),
      modelFiles: () => db.prepare('SELECT version_id, path, blob_hash, size FROM model_files ORDER BY version_id, path'),
      aliases: () => db.prepare('SELECT model, alias, version_id, moved_at FROM model_aliases ORDER BY model, alias'),
      experiments: () => db.prepare('SELECT id, name, description, created_at, updated_at, deleted_at FROM experiments ORDER BY id'),
      runs: () => db.prepare('SELECT id, experiment_id, name, status, source, start_time, end_time, notes, environment_json, deleted_at FROM runs ORDER BY id'),
      artifacts: () => db.prepare('SELECT run_id, path, blob_hash, size, created_at FROM run_artifacts ORDER BY run_id, path'),
    });
  }

  datasets(): Iterable<Record<string, unknown> & { id: string; name: string }> {
    return this.s.datasets.all() as Iterable<Record<string, unknown> & { id: string; name: string }>;
  }
  /** All of a dataset's versions (read whole: the per-version file queries run while they are held). */
  versions(datasetId: string): (Record<string, unknown> & { id: string; number: number })[] {
    return this.s.versions.all(datasetId) as (Record<string, unknown> & { id: string; number: number })[];
  }
  datasetFiles(datasetId: string, versionId: string): Record<string, unknown>[] {
    return this.s.datasetFiles.all(datasetId, versionId) as Record<string, unknown>[];
  }
  models(): Record<string, unknown>[] {
    return this.s.models.all() as Record<string, unknown>[];
  }
  modelVersions(): Iterable<Record<string, unknown>> {
    return this.s.modelVersions.all() as Iterable<Record<string, unknown>>;
  }
  modelFiles(): Iterable<Record<string, unknown>> {
    return this.s.modelFiles.all() as Iterable<Record<string, unknown>>;
  }
  aliases(): Iterable<Record<string, unknown>> {
    return this.s.aliases.all() as Iterable<Record<string, unknown>>;
  }
  experiments(): Iterable<Record<string, unknown>> {
    return this.s.experiments.all() as Iterable<Record<string, unknown>>;
  }
  runs(): Iterable<Record<string, unknown>> {
    return this.s.runs.all() as Iterable<Record<string, unknown>>;
  }
  artifacts(): Iterable<Record<string, unknown>> {
    return this.s.artifacts.all() as Iterable<Record<string, unknown>>;
  }
}
