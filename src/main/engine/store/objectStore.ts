import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/errors';
import type { Db } from '../db/connection';
import { StoreRepo, type ChunkLocation } from '../db/storeRepo';
import { DEFAULT_CHUNKING, StreamChunker, type ChunkerOptions } from './fastcdc';

export interface StagedBlob {
  hash: string;
  size: number;
  chunks: { hash: string; offset: number; length: number }[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const READ_PIECE = 8 * 1024 * 1024;

/**
 * A file's sha256 (its blob name) and the stat it was taken under. `addFile` may reuse it instead of
 * hashing the file a second time, as long as the file's size, mtime and inode still match (the same
 * racy-stat rule git uses); the chunks are always hashed from the bytes actually stored.
 */
export interface FileHash {
  hash: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

function sameStat(a: { size: number; mtimeMs: number; ino: number }, b: { size: number; mtimeMs: number; ino: number }): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function changedWhileReading(file: string): LatheError {
  return new LatheError('CONFLICT', `${file} changed while Lathe was reading it`, {
    where: file,
    hint: 'Wait until whatever is writing the file has finished, then add it again.',
  });
}

/** sha256 of a whole file, streamed in large reads; refuses a file that changes while it is read. */
export async function hashFile(file: string, onBytes?: (done: number) => void): Promise<FileHash> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const before = await fd.stat();
    const whole = createHash('sha256');
    const piece = Buffer.allocUnsafe(READ_PIECE);
    let done = 0;
    for (;;) {
      const { bytesRead } = await fd.read(piece, 0, READ_PIECE, null);
      if (bytesRead === 0) break;
      whole.update(piece.subarray(0, bytesRead));
      done += bytesRead;
      onBytes?.(done);
    }
    const after = await fd.stat();
    if (!sameStat(before, after) || done !== after.size) throw changedWhileReading(file);
    return { hash: whole.digest('hex'), size: done, mtimeMs: after.mtimeMs, ino: after.ino };
  } finally {
    await fd.close();
  }
}

/**
 * Collects the new chunks of one or more blobs into a single temp pack file. `seal()` makes it durable
 * (fsync, rename into objects/packs); only then may `ObjectStore.commit` record it in SQLite, so the
 * database never points at bytes that are not on disk. An aborted or crashed stage leaves only a temp
 * file that the next start removes.
 */
export class StageSession {
  readonly packId = `${Date.now().toString(36)}-${randomUUID()}`;
  readonly blobs: StagedBlob[] = [];
  readonly newChunks: ChunkLocation[] = [];
  private readonly pending = new Set<string>();
  private fd: number | null = null;
  private packSize = 0;
  private sealed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly tmpPath: string,
    private readonly opts: ChunkerOptions,
  ) {}

  get newBytes(): number {
    return this.packSize;
  }

  private writeChunk(chunk: Buffer): string {
    const hash = sha256(chunk);
    if (this.pending.has(hash) || this.store.repo.hasChunk(hash)) return hash;
    if (this.fd === null) this.fd = fs.openSync(this.tmpPath, 'w');
    fs.writeSync(this.fd, chunk, 0, chunk.length, this.packSize);
    this.newChunks.push({ hash, pack_id: this.packId, offset: this.packSize, length: chunk.length });
    this.pending.add(hash);
    this.packSize += chunk.length;
    return hash;
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
    for await (const piece of source) {
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

  /** fsync the pack and move it into place. Synchronous so nothing interleaves before commit. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    const final = this.store.packPath(this.packId);
    fs.renameSync(this.tmpPath, final);
    fsyncDir(path.dirname(final));
  }

  get hasPack(): boolean {
    return this.packSize > 0;
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.tmpPath, { force: true });
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  }
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
  }

  packPath(id: string): string {
    return path.join(this.packsDir, `${id}.pack`);
  }

  /** A scratch path under the workspace's tmp/ (removed at the next start if left behind). */
  tempPath(suffix = ''): string {
    return path.join(this.tmpDir, `${randomUUID()}${suffix}`);
  }

  beginStage(): StageSession {
    return new StageSession(this, this.tempPath('.pack.tmp'), this.opts);
  }

  /** Records a sealed session. Call inside the caller's transaction, together with the rows that use it. */
  commit(session: StageSession): void {
    session.seal();
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
    let n = 0;
    for (const f of fs.readdirSync(this.tmpDir)) {
      fs.rmSync(path.join(this.tmpDir, f), { recursive: true, force: true });
      n++;
    }
    return n;
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }

  /**
   * Frees what nothing references: blobs no row points at, chunks no blob uses, packs rewritten
   * without their dead chunks, and pack files the database never recorded (a crash between seal and
   * commit).
   */
  gc(): { blobsRemoved: number; chunksRemoved: number; packsRewritten: number; bytesFreed: number } {
    const live = this.repo.liveBlobHashes();
    const deadBlobs = this.repo.allBlobs().filter((b) => !live.has(b.hash)).map((b) => b.hash);
    this.db.transaction(() => this.repo.deleteBlobs(deadBlobs))();
    const dead = this.repo.deadChunks();
    const deadSet = new Set(dead.map((c) => c.hash));
    const packsTouched = new Set(dead.map((c) => c.pack_id));
    let bytesFreed = 0;
    let packsRewritten = 0;
    for (const packId of packsTouched) {
      const chunks = this.repo.chunksInPack(packId);
      const keep = chunks.filter((c) => !deadSet.has(c.hash));
      const oldSize = fs.statSync(this.packPath(packId)).size;
      const newPackId = keep.length > 0 ? this.copyChunksToNewPack(keep) : null;
      this.db.transaction(() => {
        this.repo.deleteChunks(chunks.filter((c) => deadSet.has(c.hash)).map((c) => c.hash));
        if (newPackId) {
          let offset = 0;
          for (const c of keep) {
            this.repo.moveChunk(c.hash, newPackId.id, offset);
            offset += c.length;
          }
          this.repo.insertPack(newPackId.id, newPackId.size);
        }
        this.repo.deletePack(packId);
      })();
      this.closePack(packId);
      fs.rmSync(this.packPath(packId), { force: true });
      bytesFreed += oldSize - (newPackId?.size ?? 0);
      packsRewritten++;
    }
    bytesFreed += this.removeUnrecordedPacks();
    return { blobsRemoved: deadBlobs.length, chunksRemoved: dead.length, packsRewritten, bytesFreed };
  }

  private copyChunksToNewPack(keep: ChunkLocation[]): { id: string; size: number } {
    const id = `${Date.now().toString(36)}-${randomUUID()}`;
    const tmp = this.tempPath('.pack.tmp');
    const fd = fs.openSync(tmp, 'w');
    let size = 0;
    try {
      for (const c of keep) {
        const data = this.readChunk(c.hash);
        fs.writeSync(fd, data, 0, data.length, size);
        size += data.length;
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.packPath(id));
    fsyncDir(this.packsDir);
    return { id, size };
  }

  private closePack(packId: string): void {
    const fd = this.fds.get(packId);
    if (fd !== undefined) fs.closeSync(fd);
    this.fds.delete(packId);
  }

  private removeUnrecordedPacks(): number {
    const known = new Set(this.repo.packIds());
    let freed = 0;
    for (const f of fs.readdirSync(this.packsDir)) {
      const id = f.replace(/\.pack$/, '');
      if (known.has(id)) continue;
      const p = path.join(this.packsDir, f);
      freed += fs.statSync(p).size;
      fs.rmSync(p, { force: true });
    }
    return freed;
  }

  /** Re-reads every chunk and every blob and reports any whose bytes do not match their hash. */
  verifyAll(): { chunksChecked: number; bytesChecked: number; problems: { object: string; problem: string }[] } {
    const problems: { object: string; problem: string }[] = [];
    let chunksChecked = 0;
    let bytesChecked = 0;
    const badChunks = new Set<string>();
    for (const c of this.repo.allChunks()) {
      chunksChecked++;
      try {
        bytesChecked += this.readChunk(c.hash).length;
      } catch (e) {
        badChunks.add(c.hash);
        problems.push({ object: `chunk ${c.hash}`, problem: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const b of this.repo.allBlobs()) {
      const chunks = this.repo.blobChunks(b.hash);
      const broken = chunks.filter((c) => badChunks.has(c.chunk_hash) || !this.repo.chunk(c.chunk_hash));
      if (broken.length > 0) {
        problems.push({ object: `blob ${b.hash}`, problem: `${broken.length} of its ${chunks.length} chunks are damaged or missing` });
        continue;
      }
      const whole = createHash('sha256');
      let size = 0;
      for (const c of chunks) {
        const d = this.readChunk(c.chunk_hash);
        whole.update(d);
        size += d.length;
      }
      if (whole.digest('hex') !== b.hash || size !== b.size) {
        problems.push({ object: `blob ${b.hash}`, problem: 'its chunks do not reassemble to its hash' });
      }
    }
    return { chunksChecked, bytesChecked, problems };
  }
}
