import os from 'node:os';
import { newId } from '../ids';
import type { Db } from '../db/connection';
import { PendingFlushRepo, type PendingFlushRow } from '../db/pendingFlushRepo';
import { processStartIdentity } from '../tracking/processIdentity';
import { syncFileAndDir, syncFileAndDirNow } from './durable';

/**
 * Deferred durability (issue 14). A write that may return before its pack is on disk (a bundle
 * import) records, in the same transaction as its rows, a journal row naming the pack, its new
 * chunks and the rows it added (`record`). After the commit, `start` fdatasyncs the pack and its
 * folder on the thread pool, then deletes the row. With SQLite's WAL the journal row and the rows
 * it covers commit or vanish together, so after any crash either nothing of the write is in the
 * database (its pack is an unrecorded file that gc removes) or its journal row is, and the next
 * start checks the pack's bytes (bundles/interrupted.ts).
 *
 * Any other commit into the store first makes every pending pack durable (`flushAll`): a new blob
 * may reuse a chunk of a pending pack (dedup), and must never depend on bytes that could be lost.
 * `close` does the same, so a process that ends normally leaves no journal row behind.
 */
export class DeferredFlush {
  readonly repo: PendingFlushRepo;
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** A worker's read-only connection never flushes or deletes journal rows: its parent does. */
  private readonly writable: boolean;

  constructor(
    db: Db,
    private readonly packPath: (id: string) => string,
    private readonly packsDir: string,
  ) {
    this.repo = new PendingFlushRepo(db);
    this.writable = !db.readonly;
  }

  /** Records a pending write. Call inside the transaction that records the write's rows. */
  record(w: { kind: string; label: string; packId: string | null; chunks: [string, number, number][]; undo: unknown }): string {
    const id = newId();
    const row: PendingFlushRow = {
      id,
      kind: w.kind,
      label: w.label,
      created_at: new Date().toISOString(),
      owner_pid: process.pid,
      owner_host: os.hostname(),
      owner_started: processStartIdentity(process.pid) ?? '',
      pack_id: w.packId,
      chunks_json: JSON.stringify(w.chunks),
      undo_json: JSON.stringify(w.undo),
    };
    this.repo.insert(row);
    return id;
  }

  /** After the commit: syncs the pack in the background, then deletes the journal row. */
  start(id: string, packId: string | null): void {
    const p = (packId ? syncFileAndDir(this.packPath(packId), this.packsDir) : Promise.resolve())
      .then(() => {
        if (!this.closed) this.repo.delete(id);
      })
      .catch((e: unknown) => {
        // The row stays: the next start (or the next commit's flushAll) checks or syncs the pack again.
        if (!this.closed) console.warn(`lathe: background sync of pack ${packId} failed (${(e as Error).message}); it is checked again at the next start`);
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Whether any write (of this or another process) is not yet known to be on disk. */
  any(): boolean {
    return this.repo.any();
  }

  /**
   * Makes every pending write durable now and deletes its journal row: this process's and those of
   * other processes on this host (an fsync flushes what any process wrote to the file: the page cache
   * is shared). Only a power loss or an OS crash can tear a pending pack, and after one the check at
   * the next start runs before anything commits.
   */
  flushAll(rows: PendingFlushRow[] = this.repo.all()): void {
    for (const r of rows) {
      try {
        if (r.pack_id) syncFileAndDirNow(this.packPath(r.pack_id), this.packsDir);
      } catch (e) {
        // The row stays, so the next start checks that pack's bytes and rolls its import back if needed.
        console.warn(`lathe: could not sync pack ${r.pack_id} (${(e as Error).message}); it is checked again at the next start`);
        continue;
      }
      this.repo.delete(r.id);
    }
  }

  /** Waits for the background syncs started so far (tests, and before a measured step). */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Flushes what is still pending, synchronously (the database closes next). */
  close(): void {
    if (this.closed || !this.writable) return;
    try {
      if (this.repo.any()) this.flushAll();
    } finally {
      this.closed = true;
    }
  }
}
