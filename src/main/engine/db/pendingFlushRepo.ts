import type { Db } from './connection';

/**
 * SQL for deferred durability (migration 14): the journal of writes that returned before their pack
 * was fsynced, and the undo of a bundle import whose bytes did not reach the disk.
 */

/** A journal row: what one write put in the store (pack, new chunks) and the rows it added. */
export interface PendingFlushRow {
  id: string;
  kind: string;
  label: string;
  created_at: string;
  owner_pid: number;
  owner_host: string;
  owner_started: string;
  pack_id: string | null;
  /** [hash, offset, length] of each new chunk in the pack. */
  chunks_json: string;
  undo_json: string;
}

/**
 * What a bundle import added (merge.ts fills it), in the order it was added: the undo deletes it in
 * the reverse order. Rows the import found already here are not listed (they are never touched).
 */
export interface ImportUndo {
  datasets: string[];
  datasetVersions: [datasetId: string, versionId: string][];
  experiments: string[];
  runs: string[];
  models: string[];
  versions: string[];
  moves: string[];
  /** An alias the import set, with what it pointed at before (null: it did not exist). */
  aliases: { model: string; alias: string; previous: { version_id: string; moved_at: number } | null }[];
  exports: string[];
  lineage: { from_kind: string; from_id: string; to_kind: string; to_id: string; relation: string }[];
  references: string[];
  blobs: string[];
}

export const emptyUndo = (): ImportUndo => ({
  datasets: [],
  datasetVersions: [],
  experiments: [],
  runs: [],
  models: [],
  versions: [],
  moves: [],
  aliases: [],
  exports: [],
  lineage: [],
  references: [],
  blobs: [],
});

export class PendingFlushRepo {
  // Asked before every commit into the store: prepared once.
  private readonly anyRow;

  constructor(private readonly db: Db) {
    this.anyRow = db.prepare('SELECT 1 FROM pending_flushes LIMIT 1');
  }

  insert(r: PendingFlushRow): void {
    this.db
      .prepare(
        `INSERT INTO pending_flushes (id, kind, label, created_at, owner_pid, owner_host, owner_started, pack_id, chunks_json, undo_json)
         VALUES (@id, @kind, @label, @created_at, @owner_pid, @owner_host, @owner_started, @pack_id, @chunks_json, @undo_json)`,
      )
      .run(r);
  }
  all(): PendingFlushRow[] {
    return this.db.prepare('SELECT * FROM pending_flushes ORDER BY created_at').all() as PendingFlushRow[];
  }
  any(): boolean {
    return this.anyRow.get() !== undefined;
  }
  delete(id: string): void {
    this.db.prepare('DELETE FROM pending_flushes WHERE id = ?').run(id);
  }

  /** Deletes the rows an import added (call inside a transaction; blobs and chunks are separate). */
  undoImport(u: ImportUndo): void {
    const run = (sql: string, ...keys: unknown[][]) => {
      const s = this.db.prepare(sql);
      for (const k of keys) s.run(...k);
    };
    run('DELETE FROM monitor_references WHERE version_id = ?', ...u.references.map((v) => [v]));
    run('DELETE FROM exports WHERE id = ?', ...u.exports.map((e) => [e]));
    for (const a of [...u.aliases].reverse()) {
      if (a.previous) run('UPDATE model_aliases SET version_id = ?, moved_at = ? WHERE model = ? AND alias = ?', [a.previous.version_id, a.previous.moved_at, a.model, a.alias]);
      else run('DELETE FROM model_aliases WHERE model = ? AND alias = ?', [a.model, a.alias]);
    }
    run('DELETE FROM model_alias_moves WHERE id = ?', ...u.moves.map((m) => [m]));
    run(
      'DELETE FROM lineage WHERE from_kind = ? AND from_id = ? AND to_kind = ? AND to_id = ? AND relation = ?',
      ...u.lineage.map((l) => [l.from_kind, l.from_id, l.to_kind, l.to_id, l.relation]),
    );
    // model_files, params, tags, metrics, artifacts and dataset_files go with their parent (ON DELETE CASCADE).
    run('DELETE FROM model_versions WHERE id = ?', ...[...u.versions].reverse().map((v) => [v]));
    run('DELETE FROM models WHERE name = ?', ...u.models.map((m) => [m]));
    run('DELETE FROM runs WHERE id = ?', ...u.runs.map((r) => [r]));
    run('DELETE FROM experiments WHERE id = ?', ...u.experiments.map((e) => [e]));
    // Children before parents: a version's parent may be an earlier version of the same import.
    run('DELETE FROM dataset_versions WHERE dataset_id = ? AND id = ?', ...[...u.datasetVersions].reverse());
    run('DELETE FROM datasets WHERE id = ?', ...u.datasets.map((d) => [d]));
  }

  /** Deletes those of `hashes` that no blob uses; returns the ones still in use. */
  deleteUnusedChunks(hashes: string[]): string[] {
    const used = this.db.prepare('SELECT 1 FROM blob_chunks WHERE chunk_hash = ? LIMIT 1');
    const del = this.db.prepare('DELETE FROM chunks WHERE hash = ?');
    const kept: string[] = [];
    for (const h of hashes) {
      if (used.get(h) !== undefined) kept.push(h);
      else del.run(h);
    }
    return kept;
  }
  chunksLeftInPack(packId: string): number {
    return this.db.prepare('SELECT count(*) FROM chunks WHERE pack_id = ?').pluck().get(packId) as number;
  }
}
