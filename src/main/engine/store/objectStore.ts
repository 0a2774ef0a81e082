import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import { StoreRepo } from '../db/storeRepo';
import { DeferredFlush } from './deferredFlush';
import { DEFAULT_CHUNKING, type ChunkerOptions } from './fastcdc';
import { READ_PIECE } from './fileHash';
import { collectGarbage, removeTemp, type GcResult } from './maintenance';
import { StageSession } from './stageSession';
import { verifyStore, type StoreCheck } from './verification';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** One large read of a blob: adjacent chunks in one pack, [offset, offset + length) of it. */
export interface BlobRead {
  pack: string;
  offset: number;
  length: number;
  chunks: [string, number][];
}

/**
 * Content-addressed object store. A blob (any byte stream: a CSV, an image, a model's weights) is
 * named by its sha256 and stored as content-defined chunks, each kept once across all blobs, inside
 * write-once pack files. Every read re-hashes the chunks it returns.
 */
export class ObjectStore {
  readonly repo: StoreRepo;
  readonly packsDir: string;
  readonly tmpDir: string;
  /** Writes that returned before their pack was fsynced (bundle imports): see deferredFlush.ts. */
  readonly deferred: DeferredFlush;
  private readonly fds = new Map<string, number>();

  constructor(
    readonly home: string,
    private readonly db: Db,
    private readonly opts: ChunkerOptions = DEFAULT_CHUNKING,
  ) {
    this.repo = new StoreRepo(db);
    this.packsDir = path.join(home, 'objects', 'packs');
    this.tmpDir = path.join(home, 'tmp');
    fs.mkdirSync(this.packsDir, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.deferred = new DeferredFlush(db, (id) => this.packPath(id), this.packsDir);
  }

  /** The chunk sizes this store cuts blobs into. */
  get chunking(): ChunkerOptions {
    return this.opts;
  }

  packPath(id: string): string {
    return path.join(this.packsDir, `${id}.pack`);
  }

  /** A scratch path under the workspace's tmp/ (removed at the next start if left behind). */
  tempPath(suffix = ''): string {
    return path.join(this.tmpDir, `${randomUUID()}${suffix}`);
  }

  beginStage(): StageSession {
    const target = { hasChunk: (hash: string) => this.repo.hasChunk(hash), packPath: (id: string) => this.packPath(id) };
    return new StageSession(target, this.tempPath('.pack.tmp'), this.opts);
  }

  /** Records a sealed session. Call inside the caller's transaction, together with the rows that use it. */
  commit(session: StageSession): void {
    session.seal();
    // A new blob may reuse chunks of a pack not yet on disk (dedup): that pack is made durable first.
    if (this.deferred.any()) this.deferred.flushAll();
    if (session.hasPack) {
      this.repo.insertPack(session.packId, session.newBytes);
      for (const c of session.newChunks) this.repo.insertChunk(c);
    }
    for (const b of session.blobs) this.repo.insertBlob(b.hash, b.size, b.chunks);
  }

  /** Convenience for small blobs (indexes, JSON): stage, seal and record in one transaction. */
  putBuffer(buf: Buffer): string {
    const s = this.beginStage();
    const blob = s.addBuffer(buf);
    s.seal();
    this.db.transaction(() => this.commit(s))();
    return blob.hash;
  }

  private packFd(packId: string): number {
    let fd = this.fds.get(packId);
    if (fd === undefined) {
      try {
        fd = fs.openSync(this.packPath(packId), 'r');
      } catch (e) {
        throw new LatheError('CORRUPT_OBJECT', `Pack ${packId} is missing from the object store`, {
          where: this.packPath(packId),
          hint: 'Run `lathe doctor` to see what is affected.',
          cause: e,
        });
      }
      this.fds.set(packId, fd);
    }
    return fd;
  }

  /** Reads one chunk and checks its hash: a flipped byte on disk is caught here, not passed on. */
  readChunk(hash: string): Buffer {
    const loc = this.repo.chunk(hash);
    if (!loc) throw new LatheError('CORRUPT_OBJECT', `Chunk ${hash.slice(0, 12)} is not in the object store`);
    const buf = Buffer.allocUnsafe(loc.length);
    const n = fs.readSync(this.packFd(loc.pack_id), buf, 0, loc.length, loc.offset);
    if (n !== loc.length || sha256(buf) !== hash) {
      throw new LatheError('CORRUPT_OBJECT', `Chunk ${hash.slice(0, 12)} in pack ${loc.pack_id} is damaged (hash mismatch)`, {
        where: this.packPath(loc.pack_id),
        hint: 'The bytes on disk changed since they were written. Run `lathe doctor`; restore the workspace from a backup or re-import the data.',
      });
    }
    return buf;
  }

  hasBlob(hash: string): boolean {
    return this.repo.hasBlob(hash);
  }

  blobSize(hash: string): number {
    const b = this.repo.blob(hash);
    if (!b) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    return b.size;
  }

  readBlob(hash: string): Buffer {
    const size = this.blobSize(hash);
    return this.readRange(hash, 0, size);
  }

  /** Bytes [start, end) of a blob, reading only the chunks that overlap the range. */
  readRange(hash: string, start: number, end: number): Buffer {
    const size = this.blobSize(hash);
    end = Math.min(end, size);
    if (start >= end) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const c of this.repo.blobChunksInRange(hash, start, end)) {
      const data = this.readChunk(c.chunk_hash);
      const from = Math.max(0, start - c.offset);
      const to = Math.min(c.length, end - c.offset);
      parts.push(data.subarray(from, to));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /**
   * Where a blob's bytes lie, in reads: runs of its chunks that lie next to each other in one pack,
   * each of up to `maxRead` bytes, with the chunks each holds (in order). Nothing is read yet.
   */
  blobReads(hash: string, maxRead = READ_PIECE): BlobRead[] {
    const locs = this.repo.blobChunkLocations(hash);
    if (locs.length === 0 && !this.repo.hasBlob(hash)) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    const reads: BlobRead[] = [];
    for (let i = 0; i < locs.length; ) {
      const first = locs[i];
      if (first.pack_id === null || first.offset === null) throw new LatheError('CORRUPT_OBJECT', `Chunk ${first.hash.slice(0, 12)} is not in the object store`);
      const chunks: [string, number][] = [[first.hash, first.length]];
      let j = i;
      let total = first.length;
      while (j + 1 < locs.length) {
        const next = locs[j + 1];
        if (next.pack_id !== first.pack_id || next.offset !== (locs[j].offset as number) + locs[j].length || total + next.length > maxRead) break;
        chunks.push([next.hash, next.length]);
        total += next.length;
        j++;
      }
      reads.push({ pack: first.pack_id, offset: first.offset, length: total, chunks });
      i = j + 1;
    }
    return reads;
  }

  /** Reads one run of `blobReads` into `into` (at least `read.length` bytes), NOT yet verified; returns the filled view. */
  readInto(read: BlobRead, into: Buffer): Buffer {
    const fd = this.packFd(read.pack);
    let got = 0;
    while (got < read.length) {
      const n = fs.readSync(fd, into, got, read.length - got, read.offset + got);
      if (n === 0) throw this.damaged(read.chunks[0][0], read.pack);
      got += n;
    }
    return into.subarray(0, read.length);
  }

  /**
   * A blob's bytes in large pieces, NOT yet verified (see `blobReads`). Each piece comes with the
   * chunks it holds (the caller checks them against their hashes) and is a view into one reused
   * buffer, valid until the next one is asked for.
   */
  *blobRuns(hash: string, maxRead = READ_PIECE): Generator<{ data: Buffer; chunks: [string, number][]; pack: string }> {
    const reads = this.blobReads(hash, maxRead);
    let buf = Buffer.allocUnsafe(Math.min(maxRead, reads.reduce((a, r) => a + r.length, 0)));
    for (const r of reads) {
      if (buf.length < r.length) buf = Buffer.allocUnsafe(r.length);
      yield { data: this.readInto(r, buf), chunks: r.chunks, pack: r.pack };
    }
  }

  /** The error for a chunk whose bytes on disk do not match its hash. */
  damaged(chunk: string, packId: string): LatheError {
    return new LatheError('CORRUPT_OBJECT', `Chunk ${chunk.slice(0, 12)} in pack ${packId} is damaged (hash mismatch)`, {
      where: this.packPath(packId),
      hint: 'The bytes on disk changed since they were written. Run `lathe doctor`; restore the workspace from a backup or re-import the data.',
    });
  }

  /**
   * Streams a blob's bytes in large pieces (see `blobRuns`), every chunk checked against its hash
   * before its piece is yielded. Pieces are views into a reused buffer: copy to keep.
   */
  *readBlobPieces(hash: string, maxRead = READ_PIECE): Generator<Buffer> {
    for (const run of this.blobRuns(hash, maxRead)) {
      let off = 0;
      for (const [h, len] of run.chunks) {
        if (sha256(run.data.subarray(off, off + len)) !== h) throw this.damaged(h, run.pack);
        off += len;
      }
      yield run.data;
    }
  }

  /** Streams a blob chunk by chunk, verifying each chunk and finally the whole blob's hash. */
  *iterateBlob(hash: string): Generator<Buffer> {
    if (!this.repo.hasBlob(hash)) throw new LatheError('NOT_FOUND', `Object ${hash.slice(0, 12)} is not in the store`);
    const whole = createHash('sha256');
    for (const c of this.repo.blobChunks(hash)) {
      const data = this.readChunk(c.chunk_hash);
      whole.update(data);
      yield data;
    }
    if (whole.digest('hex') !== hash) {
      throw new LatheError('CORRUPT_OBJECT', `Object ${hash.slice(0, 12)} does not match its hash`);
    }
  }

  /** Writes a blob to a file atomically (temp, fsync, rename): the target is whole or absent. */
  writeBlobToFile(hash: string, target: string): number {
    const tmp = `${target}.lathe-tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    try {
      for (const data of this.iterateBlob(hash)) {
        fs.writeSync(fd, data);
        bytes += data.length;
      }
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
    return bytes;
  }

  /** Removes temp files left by an interrupted import or export. Run at start. */
  cleanTemp(): number {
    return removeTemp(this.tmpDir);
  }

  close(): void {
    this.deferred.close();
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }

  /** Closes this store's descriptor of a pack (before the pack file is removed). */
  releasePack(packId: string): void {
    const fd = this.fds.get(packId);
    if (fd !== undefined) fs.closeSync(fd);
    this.fds.delete(packId);
  }

  /**
   * Frees what nothing references: blobs no row points at, chunks no blob uses, packs rewritten
   * without their dead chunks, and pack files the database never recorded (a crash between seal and
   * commit). See maintenance.ts.
   */
  gc(): GcResult {
    return collectGarbage(this, this.db);
  }

  /** Re-reads every chunk and every blob and reports any whose bytes do not match their hash. */
  verifyAll(): StoreCheck {
    return verifyStore(this);
  }
}
