import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Db } from '../db/connection';
import type { ImportUndo, PendingFlushRow } from '../db/pendingFlushRepo';
import type { ObjectStore } from '../store/objectStore';
import { sameProcessAlive } from '../tracking/processIdentity';

/**
 * At the start: bundle imports whose pack was never synced (the process ended before the background
 * flush of store/deferredFlush.ts). Each one's new chunks are re-hashed from the pack file. All
 * intact: the pack is synced and its journal row cleared. Any chunk torn, missing or short: the whole
 * import is rolled back in one transaction (the rows it added, its blobs, its chunks, its pack) and
 * a message says so. Chunks the import found already stored were never rewritten, so the versions
 * that had them before are not touched.
 */

export interface InterruptedImport {
  bundle: string;
  at: string;
  rolledBack: boolean;
  message: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Whether every listed chunk is in the pack file with its bytes (false when the file is gone). */
function packIntact(file: string, chunks: [string, number, number][]): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return chunks.length === 0;
  }
  try {
    let buf = Buffer.allocUnsafe(256 * 1024);
    for (const [hash, offset, length] of chunks) {
      if (buf.length < length) buf = Buffer.allocUnsafe(length);
      const n = fs.readSync(fd, buf, 0, length, offset);
      if (n !== length || sha256(buf.subarray(0, length)) !== hash) return false;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Rolls back one import: its rows, then its blobs and chunks that nothing else uses, then its pack. */
function rollBack(db: Db, store: ObjectStore, row: PendingFlushRow, chunks: [string, number, number][]): string[] {
  const repo = store.deferred.repo;
  const undo = JSON.parse(row.undo_json) as ImportUndo;
  let kept: string[] = [];
  db.transaction(() => {
    repo.undoImport(undo);
    const live = store.repo.liveBlobHashes();
    store.repo.deleteBlobs(undo.blobs.filter((h) => !live.has(h)));
    kept = repo.deleteUnusedChunks(chunks.map((c) => c[0]));
    if (row.pack_id && repo.chunksLeftInPack(row.pack_id) === 0) store.repo.deletePack(row.pack_id);
    repo.delete(row.id);
  })();
  if (row.pack_id && kept.length === 0) {
    store.releasePack(row.pack_id);
    fs.rmSync(store.packPath(row.pack_id), { force: true });
  }
  return kept;
}

/** Checks every pending import left by a process that is no longer running; see above. */
export function recoverInterruptedImports(db: Db, store: ObjectStore): InterruptedImport[] {
  const host = os.hostname();
  const out: InterruptedImport[] = [];
  for (const row of store.deferred.repo.all()) {
    // A live import in another process flushes its own pack (WAL needs every writer on this host).
    if (sameProcessAlive({ pid: row.owner_pid, host: row.owner_host, started: row.owner_started }, host) === true) continue;
    const chunks = JSON.parse(row.chunks_json) as [string, number, number][];
    const file = row.pack_id ? store.packPath(row.pack_id) : null;
    if (!file || packIntact(file, chunks)) {
      store.deferred.flushAll([row]);
      continue;
    }
    const bundle = row.label;
    const lost = `the import of ${bundle} at ${row.created_at} was interrupted before it reached the disk`;
    let message: string;
    let rolledBack = false;
    try {
      const kept = rollBack(db, store, row, chunks);
      rolledBack = kept.length === 0;
      message = rolledBack
        ? `${lost}; it was rolled back: import it again`
        : `${lost} and ${kept.length} of its chunks are used by what was added since; run \`lathe doctor\`, then import it again`;
    } catch (e) {
      // Rows made since refer to what it added (a foreign key): they are left, and doctor lists the damage.
      store.deferred.repo.delete(row.id);
      message = `${lost} and could not be rolled back (${(e as Error).message}): rows made since use it; run \`lathe doctor\`, then import it again`;
    }
    out.push({ bundle, at: row.created_at, rolledBack, message });
  }
  return out;
}
