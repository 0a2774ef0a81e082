import type { Db } from './connection';
import { lazyStatements } from './statements';

/** SQL for training runs' split membership (migration 9). Every value is a bound parameter. */

export interface RunSplitRow {
  run_id: string;
  version_id: string;
  rows: number;
  encoding: string;
  parts: Buffer;
  sha256: string;
  train_rows: number;
  validation_rows: number;
  test_rows: number;
}

export class SplitsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = lazyStatements(db, {
      put: () => db.prepare(
        `INSERT INTO run_splits (run_id, version_id, rows, encoding, parts, sha256, train_rows, validation_rows, test_rows, created_at)
         VALUES (@runId, @versionId, @rows, @encoding, @parts, @sha256, @train, @validation, @test, @createdAt)
         ON CONFLICT (run_id) DO UPDATE SET version_id = excluded.version_id, rows = excluded.rows, encoding = excluded.encoding,
           parts = excluded.parts, sha256 = excluded.sha256, train_rows = excluded.train_rows,
           validation_rows = excluded.validation_rows, test_rows = excluded.test_rows, created_at = excluded.created_at`,
      ),
      get: () => db.prepare('SELECT run_id, version_id, rows, encoding, parts, sha256, train_rows, validation_rows, test_rows FROM run_splits WHERE run_id = ?'),
    });
  }

  put(r: { runId: string; versionId: string; rows: number; encoding: string; parts: Uint8Array; sha256: string; train: number; validation: number; test: number }): void {
    this.s.put.run({ ...r, parts: Buffer.from(r.parts.buffer, r.parts.byteOffset, r.parts.byteLength), createdAt: Date.now() });
  }

  get(runId: string): RunSplitRow | undefined {
    return this.s.get.get(runId) as RunSplitRow | undefined;
  }
}
