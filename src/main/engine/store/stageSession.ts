import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChunkLocation } from '../db/storeRepo';
import { DirectWriter } from './directWriter';
import { fsyncDir, writeAll, type Writeback } from './durable';
import { StreamChunker, type ChunkerOptions } from './fastcdc';
import { changedWhileReading, READ_PIECE, sameStat, type FileHash } from './fileHash';
import type { Hasher } from './hashWorker';
import { verifyChunked } from './verification';

/** The write path of the object store: new bytes are chunked, hashed and staged into one pack. */

export interface StagedBlob {
  hash: string;
  size: number;
  chunks: { hash: string; offset: number; length: number }[];
}

/** What a session needs of its store: whether a chunk is already kept, and where a sealed pack goes. */
export interface StageTarget {
  hasChunk(hash: string): boolean;
  packPath(id: string): string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
// Writes go out in pieces of 1 MiB: much larger single writes measured several times slower here (page cache).
const WRITE_PIECE = 1024 * 1024;

/** A new pack's id: sortable by time, unique. */
export const newPackId = () => `${Date.now().toString(36)}-${randomUUID()}`;

/**
 * Collects the new chunks of one or more blobs into a single temp pack file. `seal()` makes it durable
 * (fsync, rename into objects/packs); only then may `ObjectStore.commit` record it in SQLite, so the
 * database never points at bytes that are not on disk. An aborted or crashed stage leaves only a temp
 * file that the next start removes.
 */
export class StageSession {
  readonly packId = newPackId();
  readonly blobs: StagedBlob[] = [];
  readonly newChunks: ChunkLocation[] = [];
  private readonly pending = new Set<string>();
  private fd: number | null = null;
  private packSize = 0;
  private sealed = false;
  /** New chunks are gathered here and written in large pieces: [flushed, packSize) is still in memory. */
  private wbuf: Buffer | null = null;
  private wused = 0;
  private flushed = 0;
  /** Set (before staging) by callers that `await settle()` before `seal()`: writeback starts early. */
  writeback: Writeback | null = null;
  /**
   * Set (before staging) by callers that stage large async streams and `await settle()` before
   * `seal()`: the pack is written with O_DIRECT in the background (directWriter.ts), where available.
   */
  directWrites = false;
  private direct: DirectWriter | null = null;

  constructor(
    private readonly store: StageTarget,
    private readonly tmpPath: string,
    private readonly opts: ChunkerOptions,
  ) {}

  get newBytes(): number {
    return this.packSize;
  }

  private writeChunk(chunk: Buffer): string {
    const hash = sha256(chunk);
    this.stageChunk(chunk, hash);
    return hash;
  }

  /** Adds a chunk whose hash the caller has just computed from these very bytes (unless already stored). */
  private stageChunk(chunk: Buffer, hash: string): void {
    if (this.pending.has(hash) || this.store.hasChunk(hash)) return;
    if (this.fd === null && this.direct === null) this.open();
    if (this.direct) this.direct.append(chunk);
    else this.gather(chunk);
    this.newChunks.push({ hash, pack_id: this.packId, offset: this.packSize, length: chunk.length });
    this.pending.add(hash);
    this.packSize += chunk.length;
  }

  private open(): void {
    if (this.directWrites) this.direct = DirectWriter.open(this.tmpPath);
    if (this.direct === null) this.fd = fs.openSync(this.tmpPath, 'w');
    // Syncs in steps still matter with direct writes: the bytes sit in the disk's cache, and the next
    // fsync (even SQLite's checkpoint at commit) would wait for all of them at once (measured 0.8 s at 512 MB).
    else if (this.writeback) {
      const wb = this.writeback;
      this.direct.onWritten = (fd, n) => wb.wrote(fd, n);
    }
  }

  /** The page-cache path: chunks gathered into WRITE_PIECE buffers, written synchronously. */
  private gather(chunk: Buffer): void {
    if (this.fd === null) throw new Error('StageSession: no pack open');
    if (this.wbuf === null) this.wbuf = Buffer.allocUnsafeSlow(WRITE_PIECE);
    if (this.wused + chunk.length > this.wbuf.length) this.flush();
    if (chunk.length > this.wbuf.length) {
      writeAll(this.fd, chunk, this.flushed);
      this.flushed += chunk.length;
      this.writeback?.wrote(this.fd, chunk.length);
    } else {
      chunk.copy(this.wbuf, this.wused);
      this.wused += chunk.length;
    }
  }

  /** Waits while direct writes are backed up, so the bytes in memory stay bounded. */
  private async *paced(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const piece of source) {
      yield piece;
      if (this.direct) await this.direct.ready();
    }
  }

  /** Writes out what is gathered; `background` false (seal) starts no background sync: the fsync follows. */
  private flush(background = true): void {
    if (this.wused === 0 || this.fd === null || this.wbuf === null) return;
    writeAll(this.fd, this.wbuf.subarray(0, this.wused), this.flushed);
    this.flushed += this.wused;
    if (background) this.writeback?.wrote(this.fd, this.wused);
    this.wused = 0;
  }

  /**
   * Stages a byte stream whose chunk boundaries are claimed (a registry bundle's chunk list) instead
   * of finding them again: every chunk is hashed from the bytes received and must match its claimed
   * hash, and the whole stream is hashed too (the caller checks that against the object's name).
   * `bad` makes the error thrown when the bytes do not match the claims.
   */
  async addChunked(source: AsyncIterable<Uint8Array>, claimed: readonly (readonly [string, number])[], bad: (why: string) => Error, hasher?: Hasher): Promise<StagedBlob> {
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const got = await verifyChunked(this.paced(source), claimed, bad, (chunk, hash) => {
      this.stageChunk(chunk, hash);
      chunks.push({ hash, offset, length: chunk.length });
      offset += chunk.length;
    }, hasher);
    const blob = { hash: got.hash, size: got.size, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /**
   * Chunks, hashes and stages a file, streaming it in pieces; `onBytes` reports progress. With
   * `known` (from `hashFile`) the whole-file hash is not computed again, but the file must still
   * have the stat it was hashed under, before and after the read. Every chunk is hashed from the
   * bytes written. `signal` stops the read between pieces (the caller then aborts the session).
   */
  async addFile(file: string, onBytes?: (done: number) => void, opts: { known?: FileHash; signal?: AbortSignal } = {}): Promise<StagedBlob> {
    const { known, signal } = opts;
    const chunker = new StreamChunker(this.opts);
    const whole = known ? null : createHash('sha256');
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const take = (c: Buffer) => {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    };
    const fd = await fs.promises.open(file, 'r');
    try {
      if (known && !sameStat(known, await fd.stat())) throw changedWhileReading(file);
      const piece = Buffer.allocUnsafe(READ_PIECE);
      let done = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await fd.read(piece, 0, READ_PIECE, null);
        if (bytesRead === 0) break;
        const view = piece.subarray(0, bytesRead);
        whole?.update(view);
        // push() may keep a view of `view` in its carry only as a copy, so reusing `piece` is safe.
        for (const c of chunker.push(view)) take(c);
        done += bytesRead;
        onBytes?.(done);
      }
      if (known && (done !== known.size || !sameStat(known, await fd.stat()))) throw changedWhileReading(file);
    } finally {
      await fd.close();
    }
    signal?.throwIfAborted();
    for (const c of chunker.finish()) take(c);
    const blob = { hash: whole ? whole.digest('hex') : (known as FileHash).hash, size: offset, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /**
   * Chunks, hashes and stages a byte stream (a registry bundle's entry), without a file in between.
   * Returns the blob as hashed from the bytes received: the caller checks it against what it expected.
   */
  async addStream(source: AsyncIterable<Uint8Array>): Promise<StagedBlob> {
    const chunker = new StreamChunker(this.opts);
    const whole = createHash('sha256');
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    const take = (c: Buffer) => {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    };
    for await (const piece of this.paced(source)) {
      const view = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      whole.update(view);
      for (const c of chunker.push(view)) take(c);
    }
    for (const c of chunker.finish()) take(c);
    const blob = { hash: whole.digest('hex'), size: offset, chunks };
    this.blobs.push(blob);
    return blob;
  }

  addBuffer(buf: Buffer): StagedBlob {
    const chunker = new StreamChunker(this.opts);
    const chunks: StagedBlob['chunks'] = [];
    let offset = 0;
    for (const c of [...chunker.push(buf), ...chunker.finish()]) {
      chunks.push({ hash: this.writeChunk(c), offset, length: c.length });
      offset += c.length;
    }
    const blob = { hash: sha256(buf), size: buf.length, chunks };
    this.blobs.push(blob);
    return blob;
  }

  /**
   * fsync the pack and move it into place. Synchronous so nothing interleaves before commit.
   * `durable: false` skips both fsyncs: only for a caller that records the pack as pending in its
   * commit (store/deferredFlush.ts), so a crash before the bytes reach the disk is detected.
   */
  seal(opts: { durable: boolean } = { durable: true }): void {
    if (this.writeback?.busy || this.direct?.busy) throw new Error('StageSession.seal() while a background sync or write runs: await settle() first');
    if (this.sealed) return;
    this.sealed = true;
    if (this.direct) {
      this.direct.finish({ fsync: opts.durable });
      this.direct = null;
      this.place(opts.durable);
      return;
    }
    if (this.fd === null) return;
    // A background sync started here would still run when the fd is closed below.
    this.flush(false);
    if (opts.durable) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    this.place(opts.durable);
  }

  /** Moves the closed temp pack into objects/packs. */
  private place(durable: boolean): void {
    const final = this.store.packPath(this.packId);
    fs.renameSync(this.tmpPath, final);
    if (durable) fsyncDir(path.dirname(final));
  }

  get hasPack(): boolean {
    return this.packSize > 0;
  }

  /** Waits for a background sync (see `writeback`) and the direct writes in flight; throws their error. */
  async settle(): Promise<void> {
    await this.direct?.settle();
    await this.writeback?.settle();
  }

  abort(): void {
    const fd = this.fd;
    if (fd !== null) {
      if (this.writeback) this.writeback.whenIdle(() => fs.closeSync(fd));
      else fs.closeSync(fd);
    }
    this.fd = null;
    const wb = this.writeback;
    this.direct?.abandon(wb ? (close) => wb.whenIdle(close) : undefined);
    this.direct = null;
    this.wbuf = null;
    this.wused = 0;
    fs.rmSync(this.tmpPath, { force: true });
  }
}
